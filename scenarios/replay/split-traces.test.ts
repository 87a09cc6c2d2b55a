import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalizeRecord } from '../../ingest/normalize.js';
import type { HopEvent } from '../../schemas/hop-event.js';
import { splitOtlpByTrace } from './split-traces.js';

function events(raw: string): HopEvent[] {
  const decoded = normalizeRecord(raw);
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.events;
}

describe('an OTLP export split per trace', () => {
  it('gives each trace its spans, under their own resource and scope, read as before', () => {
    // An export of the collector's batch processor: spans of several traces, several services.
    const lines = readFileSync('fixtures/scenarios/agent-recursion.ndjson', 'utf8').trimEnd().split('\n');
    const batched = lines.find((line) => new Set(events(line).map((event) => event.traceId)).size > 1);
    if (batched === undefined) throw new Error('the fixture has no export of several traces');
    const whole = events(batched);

    const parts = splitOtlpByTrace(JSON.parse(batched));
    expect(parts.map((part) => part.traceId)).toEqual([...new Set(whole.map((event) => event.traceId))]);
    const read = parts.map((part) => events(JSON.stringify(part.export)));
    for (const [index, part] of parts.entries()) {
      expect(read[index]!.every((event) => event.traceId === part.traceId)).toBe(true);
    }
    // The same hops (ids, services, credentials, times), only grouped by trace.
    const byId = (list: HopEvent[]) => [...list].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(byId(read.flat())).toEqual(byId(whole));
  });

  it('puts a span without a trace id with the first trace, wherever it is', () => {
    const span = (traceId?: string) => ({ ...(traceId === undefined ? {} : { traceId }), spanId: 'a' });
    const exported = {
      resourceSpans: [
        { resource: {}, scopeSpans: [{ scope: {}, spans: [span(), span('t1'), span(), span('t2')] }] },
      ],
    };
    const parts = splitOtlpByTrace(exported);
    expect(parts.map((part) => [part.traceId, JSON.stringify(part.export).match(/spanId/g)?.length])).toEqual(
      [
        ['t1', 3],
        ['t2', 1],
      ],
    );
  });
});
