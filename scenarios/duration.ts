const durationPattern = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/;
const unitMs: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `10m`, `25h`, `1.5h`, `250ms` (a bare number is milliseconds) → milliseconds; undefined when unreadable. */
export function parseDuration(text: string): number | undefined {
  const match = durationPattern.exec(text.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * (unitMs[match[2] ?? 'ms'] ?? 1);
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : undefined;
}
