import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  type HopwatchProcess,
  spawnHopwatch,
  waitUntilHealthy,
} from '../test/helpers/api-process.js';

/** A `hopwatch run` started by the bench, as users start it: a process of its own, its data in `dir`. */
export type BenchInstance = { dir: string; process: HopwatchProcess; baseUrl: string };

/**
 * `hopwatch run -c <config>` in a fresh data directory, once it answers /healthz. A case measures
 * hopwatch in its own process: in the bench's, the corpus the bench holds would be marked by every
 * garbage collection of the pipeline (a Kafka backlog ran 10-15 % slower that way).
 */
export async function startInstance(config: Record<string, unknown>, name: string): Promise<BenchInstance> {
  const dir = mkdtempSync(join(tmpdir(), `hopwatch-bench-${name}-`));
  const file = join(dir, 'hopwatch.yaml');
  writeFileSync(file, JSON.stringify(config));
  const port = await freePort();
  const process = spawnHopwatch(['run', '-c', file], {
    HOPWATCH_PORT: String(port),
    HOPWATCH_DATA_DIR: dir,
    HOPWATCH_LOG_LEVEL: 'warn',
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitUntilHealthy(process, baseUrl);
  return { dir, process, baseUrl };
}

/** SIGTERM (the process drains and checkpoints), then its data directory goes. */
export async function stopInstance({ process, dir }: BenchInstance): Promise<void> {
  process.child.kill('SIGTERM');
  await process.exited;
  rmSync(dir, { recursive: true, force: true });
}
