/**
 * The overload case's client, in a process of its own: the bench process holds the corpora of the
 * other cases, and its garbage collection would show up as /healthz latency of hopwatch (measured:
 * 940 MB of such a heap turned a 96 ms p99 into 531 ms). Prints `{ sustained, report }` as JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { offerOpenLoop, startLoadTarget, sustainedBatchRate } from './http-load.js';

const [seconds, batchSize] = process.argv.slice(2).map(Number) as [number, number];
const dataDir = mkdtempSync(join(tmpdir(), 'hopwatch-bench-overload-'));
const { target, stop } = await startLoadTarget(dataDir, batchSize);
try {
  const sustained = await sustainedBatchRate(target, 8);
  const report = await offerOpenLoop(target, 4 * sustained, seconds);
  process.stdout.write(JSON.stringify({ sustained, report }));
} finally {
  await stop();
  rmSync(dataDir, { recursive: true, force: true });
}
