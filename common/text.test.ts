import { describe, expect, it } from 'vitest';
import { formatDuration, trimmed } from './text.js';

describe('trimmed', () => {
  it('gives what trim gives, whatever whitespace is at either end', () => {
    const ends = ['', ' ', '\t', '\r', '\n', '\u00a0', '\ufeff', '\u2028', '\u3000', '\u0085', 'x', '{', '~'];
    for (const start of ends) {
      for (const end of ends) {
        for (const middle of ['', 'a', '{"id":1}', ' \t ']) {
          const text = `${start}${middle}${end}`;
          expect(trimmed(text), JSON.stringify(text)).toBe(text.trim());
        }
      }
    }
  });
});

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
