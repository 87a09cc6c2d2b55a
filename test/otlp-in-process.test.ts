import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assemble } from '../pipeline/assemble.js';
import { detectFiles } from '../pipeline/detect.js';
import { MemorySink } from '../pipeline/sinks/memory.js';
import { silent, tempDataDir, testConfig } from './helpers/kafka-ingest.js';

const attribute = (key: string, value: string) => ({ key, value: { stringValue: value } });
const spanId = (index: number) => index.toString(16).padStart(16, '0');
const nanos = (ms: number) => String(BigInt(ms) * 1_000_000n);

/**
 * Thirty requests to a planner, each running `steps` instrumented steps as `kind` spans under its server
 * span, and calling a search service from under its first step: what an SDK exports for one process.
 * `nested`: each step runs inside the one before, and the search call inside the last.
 */
function planner(kind: 1 | 3, steps: number, nested = false): string {
  const start = Date.UTC(2026, 11, 1, 12);
  const lines: string[] = [];
  for (let request = 0; request < 30; request++) {
    const traceId = (request + 1).toString(16).padStart(32, '0');
    const at = start + request * 1_000;
    const stepAttributes =
      kind === 3 ? [attribute('http.request.method', 'GET'), attribute('server.address', 'db')] : [];
    const spans = [
      {
        traceId,
        spanId: spanId(1),
        name: 'POST /plan',
        kind: 2,
        startTimeUnixNano: nanos(at),
        attributes: [attribute('http.request.method', 'POST'), attribute('enduser.id', 'alice')],
      },
      ...Array.from({ length: steps }, (_, step) => ({
        traceId,
        spanId: spanId(step + 2),
        parentSpanId: nested && step > 0 ? spanId(step + 1) : spanId(1),
        name: `step ${step % 40}`,
        kind,
        startTimeUnixNano: nanos(at + 1 + step),
        attributes: stepAttributes,
      })),
      {
        traceId,
        spanId: spanId(500),
        parentSpanId: nested ? spanId(steps + 1) : spanId(2),
        name: 'GET /search',
        kind: 3,
        startTimeUnixNano: nanos(at + 2),
        attributes: [attribute('http.request.method', 'GET'), attribute('server.address', 'search')],
      },
    ];
    lines.push(
      JSON.stringify({
        resourceSpans: [
          { resource: { attributes: [attribute('service.name', 'planner')] }, scopeSpans: [{ spans }] },
        ],
      }),
    );
  }
  return `${lines.join('\n')}\n`;
}

async function detect(ndjson: string) {
  const dir = tempDataDir('otlp-in-process');
  const file = join(dir, 'spans.ndjson');
  writeFileSync(file, ndjson);
  const memory = new MemorySink(true);
  const assembled = await assemble(
    { ...testConfig({ dataDir: dir }), sinks: [], sources: [] },
    { logger: silent, extraSinks: [memory] },
  );
  if (!assembled.ok) throw new Error(assembled.reason);
  await detectFiles([file], assembled.pipeline.lane('file'), { logger: silent });
  return memory;
}

describe('OpenTelemetry spans of work inside one process', () => {
  it('are hops that lineage links calls through, and that no detector counts', async () => {
    const steps = await detect(planner(1, 80));
    expect(steps.findings).toEqual([]);
    const search = steps.hops.filter((hop) => hop.destination.service === 'search');
    expect(search).toHaveLength(30);
    for (const hop of search) {
      expect(hop.parentId).toBe(`otlp:${hop.traceId}:${spanId(2)}`);
      expect(hop.originCredential).toBe('enduser:alice');
      expect(hop.depth).toBe(1);
    }
    expect(steps.hops.filter((hop) => hop.destination.protocol === 'in_process')).toHaveLength(30 * 80);
  });

  it('add no depth to the calls made inside them', async () => {
    const nested = await detect(planner(1, 12, true));
    expect(nested.findings).toEqual([]);
    const search = nested.hops.filter((hop) => hop.destination.service === 'search');
    expect(search.map((hop) => hop.depth)).toEqual(Array(30).fill(1));
    expect(search[0]!.path).toHaveLength(14);
  });

  it('as calls instead (client spans to a database), raise the fan-out they are', async () => {
    const calls = await detect(planner(3, 80));
    expect(calls.findings.some((finding) => finding.detector === 'fanout')).toBe(true);
  });
});
