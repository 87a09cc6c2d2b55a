import { describe, expect, it } from 'vitest';
import { trimmed } from './text.js';

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
