import { describe, expect, it } from 'vitest';
import { clfToMs, epochToMs, isoToMs, nanosDiffMs, nanosToMs } from './time.js';

describe('event-time parsing', () => {
  it('reads ISO times with any fraction length, and treats a zone-less time as UTC', () => {
    expect(isoToMs('2025-02-28T12:11:34.10912886Z')).toBe(Date.UTC(2025, 1, 28, 12, 11, 34, 109));
    expect(isoToMs('2016-04-15T20:17:00.310')).toBe(Date.UTC(2016, 3, 15, 20, 17, 0, 310));
    expect(isoToMs('2016-12-07T11:05:07+01:00')).toBe(Date.UTC(2016, 11, 7, 10, 5, 7));
  });

  it('reads plain UTC times digit by digit to the same milliseconds as Date.parse', () => {
    const values = [
      '2025-01-06T08:00:00Z',
      '2025-01-06T08:00:00.1Z',
      '2025-01-06T08:00:00.12',
      '2025-01-06T08:00:00.999999999Z',
      '2024-02-29T23:59:59.999Z',
      '2025-02-30T00:00:00Z',
      '2025-04-31T12:00:00Z',
      '1999-12-31T23:59:59Z',
      '2000-03-01T00:00:00Z',
      '2025-01-06T24:00:00Z',
      '2025-01-06T08:00:00z',
      '2025-01-06 08:00:00Z',
      '2025-01-06T08:00:00+05:30',
    ];
    for (const value of values) {
      expect(isoToMs(value), value).toBe(Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`));
    }
    for (const invalid of [
      '2025-13-06T08:00:00Z',
      '2025-01-32T08:00:00Z',
      '2025-01-06T08:00:60Z',
      '2025-01-06T08:00:00.Z',
    ]) {
      expect(isoToMs(invalid), invalid).toBeNaN();
    }
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
