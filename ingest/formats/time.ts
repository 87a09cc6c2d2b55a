/** Event-time parsing. Every function returns epoch milliseconds, or NaN when the value is not a time. */

const isoDate = /^\d{4}-\d{2}-\d{2}/;
const zoneSuffix = /(?:Z|[+-]\d\d:?\d\d)$/i;
const digitsOnly = /^-?\d+$/;
const clfTime = /^(\d{2})\/([A-Za-z]{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;
const months: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};

/** ISO 8601 / RFC 3339 with any fraction length; a time without a zone is UTC (gateways log UTC). */
export function isoToMs(value: string): number {
  const plain = plainUtcToMs(value);
  if (plain !== undefined) return plain;
  // Date.parse also guesses at non-ISO text ("12" is a date to it); only ISO dates are times here.
  if (!isoDate.test(value)) return Number.NaN;
  return Date.parse(zoneSuffix.test(value) ? value : `${value}Z`);
}

/** The number written with `count` digits at `from`, or -1. */
function digitsAt(text: string, from: number, count: number): number {
  let number = 0;
  for (let at = from; at < from + count; at++) {
    const digit = text.charCodeAt(at) - 48;
    if (digit < 0 || digit > 9) return -1;
    number = number * 10 + digit;
  }
  return number;
}

/** Days from 1970-01-01 to a proleptic Gregorian date; days past a month's end run on into the next, as with Date.UTC. */
function epochDays(year: number, month: number, day: number): number {
  // Years counted from March, so that the leap day ends a year (H. Hinnant's days_from_civil).
  const shifted = month <= 2 ? year - 1 : year;
  const era = Math.floor(shifted / 400);
  const yearOfEra = shifted - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.fraction][Z]`, as gateways write UTC, read digit by digit: Date.parse was
 * most of the cost of an Envoy record's start time. Undefined for anything else (offsets, other
 * separators, fields out of range), which Date.parse then reads; the same milliseconds either way (a
 * fraction is cut to milliseconds, not rounded, as V8 does).
 */
function plainUtcToMs(text: string): number | undefined {
  if (text.length < 19 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return undefined;
  if (text.charCodeAt(10) !== 84 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58)
    return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  let at = 19;
  let ms = 0;
  if (text.charCodeAt(at) === 46) {
    const start = ++at;
    for (let digit = digitsAt(text, at, 1); digit >= 0; digit = digitsAt(text, at, 1)) {
      if (at - start < 3) ms = ms * 10 + digit;
      at++;
    }
    if (at === start) return undefined;
    for (let place = at - start; place < 3; place++) ms *= 10;
  }
  if (at < text.length && !(at === text.length - 1 && text.charCodeAt(at) === 90)) return undefined;
  return ((epochDays(year, month, day) * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + ms;
}

/** An integer count of nanoseconds (decimal string or number) as ms, without a float detour for strings. */
export function nanosToMs(value: string | number): number {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.floor(value / 1e6) : Number.NaN;
  if (!digitsOnly.test(value)) return Number.NaN;
  return Number(BigInt(value) / 1_000_000n);
}

/** The exact difference of two nanosecond timestamps, in (fractional) ms. */
export function nanosDiffMs(start: string | number, end: string | number): number {
  if (
    typeof start === 'string' &&
    typeof end === 'string' &&
    digitsOnly.test(start) &&
    digitsOnly.test(end)
  ) {
    return Number(BigInt(end) - BigInt(start)) / 1e6;
  }
  return (Number(end) - Number(start)) / 1e6;
}

/**
 * An epoch number in whatever unit the gateway chose (`%START_TIME(%s.%3f)%`, `$msec`, ms, µs, ns),
 * told apart by magnitude: no real request happened before 1973 or after 5138. Long digit strings
 * go through BigInt, as ns epochs exceed 2^53.
 */
export function epochToMs(value: string | number): number {
  if (typeof value === 'string' && digitsOnly.test(value) && value.length > 15) {
    const epoch = BigInt(value);
    const magnitude = epoch < 0n ? -epoch : epoch;
    return Number(magnitude < 100_000_000_000_000_000n ? epoch / 1000n : epoch / 1_000_000n);
  }
  const epoch = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(epoch)) return Number.NaN;
  const magnitude = Math.abs(epoch);
  if (magnitude < 1e11) return Math.floor(epoch * 1000);
  if (magnitude < 1e14) return Math.floor(epoch);
  if (magnitude < 1e17) return Math.floor(epoch / 1000);
  return Math.floor(epoch / 1e6);
}

/** A start time that is either ISO 8601 or an epoch number. */
export function timestampToMs(value: string | number): number {
  if (typeof value === 'number') return epochToMs(value);
  const first = value.charCodeAt(0);
  const isNumber =
    value.length > 0 && (first === 45 || (first >= 48 && first <= 57)) && !value.includes('-', 1);
  return isNumber ? epochToMs(value) : isoToMs(value);
}

/** Common Log Format time (`07/Dec/2016:11:05:07 +0100`), honouring its offset. */
export function clfToMs(value: string): number {
  const match = clfTime.exec(value);
  if (!match) return Number.NaN;
  const [, day, monthName, year, hour, minute, second, sign, offsetHours, offsetMinutes] = match;
  const month = months[monthName!];
  if (month === undefined) return Number.NaN;
  const local = Date.UTC(Number(year), month, Number(day), Number(hour), Number(minute), Number(second));
  const offset = (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000;
  return sign === '+' ? local - offset : local + offset;
}
