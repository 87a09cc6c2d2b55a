/**
 * Case 5, in its own process (run with --expose-gc): the detection engine holding `traces` active
 * traces under `credentials` origin credentials. Prints one JSON line: RSS and heap after a full GC
 * (RSS once it has stopped falling, as the collection returned, and the process's peak).
 */
import { createDetectionEngine } from '../pipeline/engine.js';
import type { HopEvent } from '../schemas/hop-event.js';
import { benchConfig } from './discard.js';

const traces = Number(process.argv[2] ?? 1_000_000);
const credentials = Number(process.argv[3] ?? 100_000);
/** Every trace starts within this much event time, less than lineage.traceTtlMs: none is idle long enough to go. */
const spreadMs = 240_000;
const start = Date.UTC(2025, 0, 6, 8);

const config = benchConfig({
  lineage: { maxTraces: traces + 100_000 },
  // Every root action keeps its windows open, as in a deployment whose caps are set for this many traces.
  detectors: { maxTrackedKeys: credentials * 2, maxOpenWindows: traces },
});
const engine = createDetectionEngine(
  { lineage: config.lineage, detectors: config.detectors },
  { hop: () => undefined, finding: () => undefined },
  { now: Date.now },
);

const hex = (value: number, width: number) => value.toString(16).padStart(width, '0');

/** A root call by an agent's key, and for every fourth trace the tool call it made. */
function hopsOf(index: number): HopEvent[] {
  const ts = start + Math.floor((index / traces) * spreadMs);
  const traceId = hex(index, 32);
  const key = `key:${hex(index % credentials, 16)}`;
  const root: HopEvent = {
    id: `${traceId}-0`,
    ts,
    durationMs: 80,
    traceId,
    spanId: hex(index * 2 + 1, 16),
    credential: { id: key, kind: 'api_key', scopes: ['tickets:read'] },
    source: { agent: `agent-${index % credentials}` },
    destination: { service: 'tool-broker', method: 'POST', path: '/mcp', tool: 'search', protocol: 'mcp' },
    status: 200,
    origin: { format: 'canonical' },
  };
  if (index % 4 !== 0) return [root];
  const child: HopEvent = {
    ...root,
    id: `${traceId}-1`,
    ts: ts + 5,
    durationMs: 40,
    spanId: hex(index * 2 + 2, 16),
    parentSpanId: root.spanId,
    source: { workload: 'tool-broker' },
    destination: { service: 'tickets', method: 'GET', path: `/v1/tickets/${index}`, protocol: 'http' },
  };
  return [root, child];
}

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');
gc();
const before = process.memoryUsage();
const started = performance.now();
// As decoded records bring them: built by JSON.parse, whose strings are flat. The ones built here
// (padStart, templates) are chains of pieces, and the ids the engine keeps would weigh more than any
// decoder's (47 MB more heap at 1M traces).
const asDecoded = (hop: HopEvent): HopEvent => JSON.parse(JSON.stringify(hop));
for (let index = 0; index < traces; index++) for (const hop of hopsOf(index)) engine.observe(asDecoded(hop));
const seconds = (performance.now() - started) / 1000;
gc();
gc();
const rssAtOnce = process.memoryUsage.rss();
const rss = await settledRss();
const after = process.memoryUsage();
const stats = engine.stats();
process.stdout.write(
  `${JSON.stringify({
    rss,
    rssAtOnce,
    // getrusage's ru_maxrss, in KiB: the peak a memory limit must allow.
    rssPeak: process.resourceUsage().maxRSS * 1024,
    heapUsed: after.heapUsed,
    heapTotal: after.heapTotal,
    baseRss: before.rss,
    baseHeapUsed: before.heapUsed,
    trackedTraces: stats.trackedTraces,
    eventsObserved: stats.eventsObserved,
    detectorState: stats.detectorState,
    seconds,
  })}\n`,
);

/**
 * RSS once it has stopped falling for a second: pages a collection frees are handed back to the
 * system by V8's background threads after the collection returns (read at once, RSS counts them).
 */
async function settledRss(): Promise<number> {
  const stepMs = 250;
  let low = process.memoryUsage.rss();
  let steady = 0;
  for (let waited = 0; waited < 10_000 && steady < 4; waited += stepMs) {
    await new Promise((resolve) => setTimeout(resolve, stepMs));
    const now = process.memoryUsage.rss();
    steady = low - now < 1024 ** 2 ? steady + 1 : 0;
    low = Math.min(low, now);
  }
  return low;
}
