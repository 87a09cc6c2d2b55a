import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultCompactionThresholds, oldSpaceFragmented } from '../common/heap-compaction.js';
import { assertBuilt } from './helpers/api-process.js';

const mib = 1024 ** 2;

describe('oldSpaceFragmented', () => {
  const fragmented = (size: number, used: number) =>
    oldSpaceFragmented({ space_size: size * mib, space_used_size: used * mib }, defaultCompactionThresholds);

  it('asks for compaction only when both the free bytes and their share are past the thresholds', () => {
    expect(fragmented(1_867, 970)).toBe(true);
    // 300 MiB free, but under a fifth of the pages.
    expect(fragmented(1_600, 1_300)).toBe(false);
    expect(fragmented(1_400, 1_100)).toBe(true);
    // Half empty, but only 100 MiB free: a small heap is not worth moving.
    expect(fragmented(200, 100)).toBe(false);
    expect(fragmented(0, 0)).toBe(false);
  });
});

// In a process of its own: 3 of 4 promoted objects die, leaving the old space's pages a quarter full.
const fragmentThenCompact = `
const { compactWhenFragmented, heapCompactionsAsked } = await import(process.argv[1]);
const { getHeapSpaceStatistics } = await import('node:v8');
const oldSpace = () => getHeapSpaceStatistics().find((space) => space.space_name === 'old_space').space_size;
let all = [];
for (let index = 0; index < 3_000_000; index++) all.push({ index, text: 'x' + index });
gc();
const kept = all.filter((_, index) => index % 4 === 0);
all = null;
gc();
gc();
const fragmented = oldSpace();
const stop = compactWhenFragmented({ minFreeBytes: 32 * 1024 ** 2, minFreeShare: 1 / 3 });
// The first full collection it sees finds the old space fragmented; the next one compacts it.
gc();
await new Promise((resolve) => setTimeout(resolve, 100));
gc();
const compacted = oldSpace();
stop();
console.log(JSON.stringify({ fragmented, compacted, asked: heapCompactionsAsked(), kept: kept.length }));
`;

describe('compactWhenFragmented', () => {
  beforeAll(assertBuilt);

  it('has the next full collection compact an old space left a quarter full', async () => {
    const module = fileURLToPath(new URL('../dist/common/heap-compaction.js', import.meta.url));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--expose-gc', '--input-type=module', '-e', fragmentThenCompact, module],
      { maxBuffer: mib },
    );
    const { fragmented, compacted, asked, kept } = JSON.parse(stdout) as {
      fragmented: number;
      compacted: number;
      asked: number;
      kept: number;
    };
    expect(kept).toBe(750_000);
    // V8 alone leaves it fragmented: collections move a few megabytes at most.
    expect(fragmented).toBeGreaterThan(150 * mib);
    expect(compacted).toBeLessThan(fragmented * 0.6);
    expect(asked).toBe(1);
  }, 60_000);
});
