import { median, medianAbsoluteDeviation } from 'simple-statistics';
import { z } from 'zod';
import { appended } from '../common/exact-array.js';

const positiveInt = z.number().int().positive();

/** Robust baseline: median/MAD over a history of past counts, only once enough history exists. */
export const baselineFields = z.object({
  /** How many past counts are kept per key. */
  historySize: positiveInt,
  /** No baseline finding before this many past counts exist. */
  minHistory: positiveInt,
  /** Robust z-score ((x − median) / (1.4826 · MAD)) above which a count is anomalous. */
  zThreshold: z.number().positive(),
  /** Counts below this never raise a baseline finding, however unusual. */
  minCount: positiveInt,
  /** The count must also be at least this many times the baseline (median, and EWMA where kept). */
  minRatio: z.number().positive(),
});

export type BaselineConfig = z.infer<typeof baselineFields>;

/**
 * Past per-window (or per-root) counts of one key: a bounded ring and an EWMA. JSON-serialisable.
 * `learnedStart`: the start of the latest window learned, where each is learned once (recordWindow).
 */
export type CountHistory = { counts: number[]; next: number; ewma: number | null; learnedStart?: number };

export type BaselineAssessment = {
  count: number;
  median: number;
  mad: number;
  ewma: number | null;
  robustZ: number;
  history: number;
};

// 1.4826 · MAD estimates the standard deviation of normal data. A perfectly regular history has
// MAD 0; the floor (one count, or 5 % of the median) keeps tiny deviations from looking infinite.
const madScale = 1.4826;
const relativeMadFloor = 0.05;

export function emptyHistory(): CountHistory {
  return { counts: [], next: 0, ewma: null };
}

/** Where `count` stands against the history (median, MAD, EWMA, robust z); undefined without history. */
export function describeCount(history: CountHistory, count: number): BaselineAssessment | undefined {
  if (history.counts.length === 0) return undefined;
  const center = median(history.counts);
  const mad = medianAbsoluteDeviation(history.counts);
  const spread = madScale * Math.max(mad, 1, relativeMadFloor * center);
  const robustZ = (count - center) / spread;
  return { count, median: center, mad, ewma: history.ewma, robustZ, history: history.counts.length };
}

/**
 * Scores `count` against the history; `anomalous` only once enough history exists and every guard
 * agrees. The cheap guards come first: most windows never need a median.
 */
export function assessCount(
  history: CountHistory,
  count: number,
  config: BaselineConfig,
): { anomalous: boolean; assessment: BaselineAssessment | undefined } {
  if (history.counts.length < config.minHistory || count < config.minCount) {
    return { anomalous: false, assessment: undefined };
  }
  const assessment = describeCount(history, count);
  if (assessment === undefined) return { anomalous: false, assessment };
  const reference = Math.max(assessment.median, history.ewma ?? 0, 1);
  const anomalous = assessment.robustZ >= config.zThreshold && count >= config.minRatio * reference;
  return { anomalous, assessment };
}

/**
 * Records the count of the window starting at `start`, once: a window reopened by late events after
 * its start was learned holds only those, and is not learned again (see `learnedStart`). For keys whose
 * windows close in start order, as a tumbling window per key does.
 */
export function recordWindow(
  history: CountHistory,
  start: number,
  count: number,
  size: number,
  ewmaAlpha: number,
): void {
  if (start <= (history.learnedStart ?? Number.NEGATIVE_INFINITY)) return;
  recordCount(history, count, size, ewmaAlpha);
  history.learnedStart = start;
}

export function recordCount(history: CountHistory, count: number, size: number, ewmaAlpha: number): void {
  // Grown to the exact length (see appended): histories are kept per key as long as the key is, most with a few counts.
  if (history.counts.length < size) history.counts = appended(history.counts, count);
  else history.counts[history.next % size] = count;
  history.next = (history.next + 1) % size;
  history.ewma = history.ewma === null ? count : ewmaAlpha * count + (1 - ewmaAlpha) * history.ewma;
}
