import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, InvalidCursorError } from './cursor.js';

describe('finding cursor', () => {
  it('round-trips the position of the last finding of a page', () => {
    const cursor = { windowEnd: 1_795_000_000_123, id: '9f86d081884c7d659a2feaa0c55ad015' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });

  it('refuses text it did not produce', () => {
    for (const text of [
      '',
      '%%%',
      Buffer.from('{"windowEnd":1}').toString('base64url'),
      encodeCursor({ windowEnd: 1.5, id: 'x' }),
    ]) {
      expect(() => decodeCursor(text)).toThrow(InvalidCursorError);
    }
  });
});
