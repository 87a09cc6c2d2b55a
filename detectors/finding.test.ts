import { describe, expect, it } from 'vitest';
import { formatDuration } from './finding.js';

describe('durations in finding summaries', () => {
  it('give a configured window as it is', () => {
    expect([12_500, 90_000, 180_000, 7_200_000].map(formatDuration)).toEqual([
      '12.5 s',
      '90 s',
      '3 min',
      '2 h',
    ]);
  });

  it('round a measured span to a tenth of its unit', () => {
    expect([1_234_567, 5_430_000, 172_979_329, 691_563_210].map(formatDuration)).toEqual([
      '1234.6 s',
      '1.5 h',
      '2 days',
      '8 days',
    ]);
  });
});
