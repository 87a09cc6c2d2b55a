import { describe, expect, it } from 'vitest';
import { heapLimitWarning, memoryLimitOf, oldSpaceFor } from './heap-size.js';

const MiB = 1024 ** 2;
const GiB = 1024 * MiB;

describe('the heap for a memory limit', () => {
  it('is a limit only below the machine’s memory (cgroups without one report 2^64, or 0)', () => {
    expect(memoryLimitOf(2 * GiB, 24 * GiB)).toBe(2 * GiB);
    expect(memoryLimitOf(2 ** 64, 24 * GiB)).toBeUndefined();
    expect(memoryLimitOf(0, 24 * GiB)).toBeUndefined();
    expect(memoryLimitOf(undefined, 24 * GiB)).toBeUndefined();
  });

  it('takes three quarters of it, young generation included, and never less than 128 MiB of old space', () => {
    expect(oldSpaceFor(2 * GiB)).toBe(1536 - 192);
    expect(oldSpaceFor(8 * GiB)).toBe(6144 - 192);
    expect(oldSpaceFor(256 * MiB)).toBe(128);
  });

  it('warns when Node’s own sizing leaves the state half the memory, or the heap could outgrow it', () => {
    expect(heapLimitWarning(1216 * MiB, 2 * GiB)).toBe(
      "V8's heap limit is 1216 MiB in a memory limit of 2048 MiB: the detection state lives in the heap and would run out of it long before the memory limit; start node with --max-old-space-size=1344 (NODE_OPTIONS works; the Docker image does it)",
    );
    expect(heapLimitWarning(4144 * MiB, 4 * GiB)).toMatch(
      /^V8's heap limit is 4144 MiB in a memory limit of 4096 MiB: the kernel would kill the process before V8 collects; start node with --max-old-space-size=2880 /,
    );
    expect(heapLimitWarning(1536 * MiB, 2 * GiB)).toBeUndefined();
    expect(heapLimitWarning(4144 * MiB, undefined)).toBeUndefined();
  });
});
