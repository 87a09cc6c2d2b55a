/** Characters that cannot be whitespace to String.prototype.trim: printable ASCII and C1 controls. */
const isPlain = (code: number): boolean => code > 32 && code < 0xa0;

/**
 * `text.trim()`, without the call when neither end is whitespace, as with almost every record: trim
 * costs about 60 ns a line even when it has nothing to remove.
 */
export function trimmed(text: string): string {
  const last = text.length - 1;
  if (last >= 0 && isPlain(text.charCodeAt(0)) && isPlain(text.charCodeAt(last))) return text;
  return text.trim();
}

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;
const tenth = (value: number): number => Math.round(value * 10) / 10;

/**
 * `12.5 s`, `3 min`, `2 h`: window lengths in summaries, as configured. A span that was measured (how
 * long an origin's history covers) is rounded to a tenth of its unit: `2 days`, not `172979.329 s`.
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0 s';
  if (ms % hourMs === 0) return `${ms / hourMs} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms < hourMs) return `${tenth(ms / 1000)} s`;
  return ms < 2 * dayMs ? `${tenth(ms / hourMs)} h` : `${tenth(ms / dayMs)} days`;
}
