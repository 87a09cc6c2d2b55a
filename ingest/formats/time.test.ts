import { describe, expect, it } from 'vitest';
import { clfToMs, epochToMs, isoToMs, nanosDiffMs, nanosToMs } from './time.js';

describe('event-time parsing', () => {
  it('reads ISO times with any fraction length, and treats a zone-less time as UTC', () => {
    expect(isoToMs('2025-02-28T12:11:34.10912886Z')).toBe(Date.UTC(2025, 1, 28, 12, 11, 34, 109));
    expect(isoToMs('2016-04-15T20:17:00.310')).toBe(Date.UTC(2016, 3, 15, 20, 17, 0, 310));
    expect(isoToMs('2016-12-07T11:05:07+01:00')).toBe(Date.UTC(2016, 11, 7, 10, 5, 7));
  });

  it('refuses what only the lenient Date parser would call a date', () => {
    expect(isoToMs('12')).toBeNaN();
    expect(isoToMs('Tuesday')).toBeNaN();
  });

  it('tells epoch units apart by magnitude', () => {
    expect(epochToMs('1527590590.528')).toBe(1527590590528);
    expect(epochToMs(1726783839538)).toBe(1726783839538);
    expect(epochToMs('1726783839538123')).toBe(1726783839538);
    expect(epochToMs('1726783839538123456')).toBe(1726783839538);
  });

  it('converts nanosecond strings beyond 2^53 exactly', () => {
    expect(nanosToMs('1700000000000000123')).toBe(1700000000000);
    expect(nanosDiffMs('1700000000000000123', '1700000000001500123')).toBe(1.5);
    expect(nanosToMs('1.5e18')).toBeNaN();
  });

  it('honours the offset of a Common Log Format time', () => {
    expect(clfToMs('07/Dec/2016:11:05:07 +0100')).toBe(Date.UTC(2016, 11, 7, 10, 5, 7));
    expect(clfToMs('07/Foo/2016:11:05:07 +0100')).toBeNaN();
  });
});
