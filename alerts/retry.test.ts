import { describe, expect, it } from 'vitest';
import { backoffDelayMs, parseRetryAfter } from './retry.js';

describe('retry timing', () => {
  it('reads Retry-After as delay-seconds or as an HTTP date', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('draws the backoff uniformly below a doubling ceiling that stops at the cap', () => {
    const almostOne = () => 0.999_999;
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelayMs(attempt, 100, 1_000, almostOne))).toEqual([
      99, 199, 399, 799, 999,
    ]);
    expect(backoffDelayMs(3, 100, 1_000, () => 0)).toBe(0);
    expect(backoffDelayMs(10_000, 1_000, 900_000, almostOne)).toBe(899_999);
  });
});
