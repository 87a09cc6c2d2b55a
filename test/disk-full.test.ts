import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  freePort,
  type HopwatchProcess,
  spawnHopwatch,
  waitUntilHealthy,
} from './helpers/api-process.js';
import { waitUntil } from './helpers/kafka-ingest.js';

const mountPoint = mkdtempSync(join(tmpdir(), 'hopwatch-full-'));
/** A small tmpfs is a disk that can be filled; mounting one needs root (as CI and the dev machines run). */
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', mountPoint]).status === 0;

afterAll(() => {
  if (mounted) spawnSync('umount', ['-l', mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

function fillDisk(file: string): void {
  const { bavail, bsize } = statfsSync(mountPoint);
  execFileSync('fallocate', ['-l', String(bavail * bsize - 4096), file]);
}

describe.skipIf(!mounted)('hopwatch run on a full disk', () => {
  it('answers 503, is not ready, acknowledges nothing it cannot keep, and recovers when space returns', async () => {
    assertBuilt();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const ingest = async () => {
      const response = await fetch(`${base}/v1/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: readFileSync(fixture),
      });
      await response.arrayBuffer();
      return response.status;
    };
    const ready = async () => (await fetch(`${base}/readyz`)).status;
    const fixture = join(mountPoint, '..', `${mountPoint.split('/').pop()}-mixed.ndjson`);
    execFileSync(process.execPath, ['fixtures/e2e/generate.mjs', '--out', fixture]);
    let running: HopwatchProcess | undefined;
    try {
      running = spawnHopwatch(['run'], {
        HOPWATCH_PORT: String(port),
        HOPWATCH_DATA_DIR: join(mountPoint, 'data'),
        HOPWATCH_LOG_LEVEL: 'error',
      });
      await waitUntilHealthy(running, base);
      expect(await ingest()).toBe(200);

      const filler = join(mountPoint, 'filler');
      fillDisk(filler);
      expect(await ingest()).toBe(503);
      expect(await ready()).toBe(503);
      // While the store refuses writes, a request is refused before its body is read.
      expect(await ingest()).toBe(503);

      rmSync(filler);
      await waitUntil('ready again', async () => (await ready()) === 200, 30_000);
      expect(await ingest()).toBe(200);
      const stats = (await (await fetch(`${base}/v1/stats`)).json()) as { store: { hops: number } };
      expect(stats.store.hops).toBe(55);
    } finally {
      running?.child.kill('SIGKILL');
      await running?.exited;
      rmSync(fixture, { force: true });
    }
  }, 120_000);
});
