import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deadLetterRow, truncateUtf8 } from './rows.js';

describe('truncateUtf8', () => {
  it('keeps the longest whole-character prefix that fits the byte bound', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.nat(200), (text, maxBytes) => {
        const cut = truncateUtf8(text, maxBytes);
        expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(Math.max(maxBytes, 0));
        expect(text.startsWith(cut)).toBe(true);
        if (Buffer.byteLength(text) <= maxBytes) expect(cut).toBe(text);
        // One more code point would not have fitted.
        const next = String.fromCodePoint(text.slice(cut.length).codePointAt(0) ?? 0);
        if (cut.length < text.length) expect(Buffer.byteLength(cut + next)).toBeGreaterThan(maxBytes);
      }),
    );
  });
});

describe('truncateUtf8 examples', () => {
  it('leaves short text alone and cuts long text to the byte bound', () => {
    expect(truncateUtf8('short', 64)).toBe('short');
    expect(truncateUtf8('é'.repeat(100), 63)).toBe('é'.repeat(31));
    expect(truncateUtf8('x'.repeat(100), 64)).toBe('x'.repeat(64));
  });
});

describe('deadLetterRow', () => {
  it('records the original size of a raw record it cut', () => {
    const row = deadLetterRow({ receivedAt: 1, reason: 'bad', raw: '🙂🙂🙂', source: 'http' }, 9);
    expect(row).toMatchObject({ raw: '🙂🙂', rawBytes: 12 });
  });
});
