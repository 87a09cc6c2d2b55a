import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import { parseConfig } from '../pipeline/load-config.js';
import { openStore } from '../store/index.js';
import { makeHop } from './helpers/store-fixtures.js';

const mountPoint = mkdtempSync(join(tmpdir(), 'hopwatch-store-full-'));
/** A small tmpfs is a disk that can be filled; mounting one needs root (as CI and the dev machines run). */
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mountPoint]).status === 0;

afterAll(() => {
  if (mounted) spawnSync('umount', ['-l', mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

/** What the embedded store's inserts left in their scratch directories. */
function scratchFiles(dataDir: string): string[] {
  const parent = join(dataDir, 'chdb', 'hopwatch-inserts');
  if (!existsSync(parent)) return [];
  return readdirSync(parent).flatMap((own) => readdirSync(join(parent, own)));
}

describe.skipIf(!mounted)('the embedded store on a full disk', () => {
  it('keeps the rows it cannot write, leaves no scratch file behind, and writes them once there is room', async () => {
    const dataDir = join(mountPoint, 'data');
    const parsed = parseConfig({ dataDir, store: { hopsTtlDays: 3_650, retryMaxAttempts: 2 } });
    if (!parsed.ok) throw new Error(parsed.reason);
    const store = await openStore(parsed.config, createLogger('silent'));
    const now = Date.now();
    const batch = (from: number) =>
      Array.from({ length: 2_000 }, (_, index) => makeHop(from + index, 0, now));
    try {
      await store.writer.write({ hops: batch(0) });
      await store.writer.flush();
      const filler = join(mountPoint, 'filler');
      const { bavail, bsize } = statfsSync(mountPoint);
      execFileSync('fallocate', ['-l', String(bavail * bsize), filler]);

      await store.writer.write({ hops: batch(2_000) });
      await expect(store.writer.flush()).rejects.toThrow(/could not write 2000 rows to hopwatch\.hops/);
      expect(scratchFiles(dataDir)).toEqual([]);

      rmSync(filler);
      await store.writer.flush();
      const rows = await store.reader.stats();
      expect(rows.hops).toBe(4_000);
    } finally {
      await store.close();
    }
  });
});
