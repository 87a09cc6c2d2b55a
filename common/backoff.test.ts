import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from './backoff.js';

describe('backoff', () => {
  const almostOne = () => 0.999_999;

  it('with full jitter, draws uniformly below a doubling ceiling that stops at the cap', () => {
    const full = { baseMs: 100, maxMs: 1_000, jitter: 1 };
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelayMs(attempt, full, almostOne))).toEqual([
      99, 199, 399, 799, 999,
    ]);
    expect(backoffDelayMs(3, full, () => 0)).toBe(0);
    expect(backoffDelayMs(10_000, { baseMs: 1_000, maxMs: 900_000, jitter: 1 }, almostOne)).toBe(899_999);
  });

  it('without jitter, waits the whole doubling delay; with a share of jitter, never less than the rest', () => {
    const fixed = { baseMs: 100, maxMs: 5_000, jitter: 0 };
    expect([1, 2, 3, 7, 8].map((attempt) => backoffDelayMs(attempt, fixed, almostOne))).toEqual([
      100, 200, 400, 5_000, 5_000,
    ]);
    const quarter = { baseMs: 100, maxMs: 5_000, jitter: 0.25 };
    expect(backoffDelayMs(3, quarter, () => 0)).toBe(300);
    expect(backoffDelayMs(3, quarter, almostOne)).toBe(399);
  });
});
