import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readReplayRecords } from './records.js';

describe('the records replay sends', () => {
  it('are keyed by trace, else by MCP session, else by request: what lineage judges together', async () => {
    const [line] = readFileSync('fixtures/scenarios/stolen-key.ndjson', 'utf8').split('\n');
    const hop = JSON.parse(line!);
    const { traceId: _t, spanId: _s, parentSpanId: _p, ...untraced } = hop;
    const variants = [
      hop,
      { ...untraced, id: 'in-session', sessionId: 'session-1' },
      { ...untraced, id: 'request-only' },
      { ...untraced, id: 'nothing', requestId: undefined },
    ];
    const file = join(mkdtempSync(join(tmpdir(), 'hopwatch-replay-')), 'hops.ndjson');
    writeFileSync(file, `${variants.map((variant) => JSON.stringify(variant)).join('\n')}\n`);
    const keys: Array<string | undefined> = [];
    for await (const record of readReplayRecords(file)) keys.push(record.key);
    expect(keys).toEqual([hop.traceId, 'session-1', hop.requestId, undefined]);
  });
});
