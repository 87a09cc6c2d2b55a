import {
  entriesOf,
  flatIndexOf,
  keyCount,
  noKeys,
  type SmallMap,
  smallMapFrom,
  valueAt,
  withAdded,
} from './small-map.js';

/** Counts by key, as windows keep them (calls per route, origins per credential, statuses…). */
export type KeyCounts = SmallMap<number>;

/** No key counted (see noKeys). */
export const noCounts: KeyCounts = noKeys;

export const countOf: (counts: KeyCounts, key: string) => number | undefined = valueAt;

export const countedKeys: (counts: KeyCounts) => number = keyCount;

/** The counts as entries, in the order their keys were first counted (what snapshots save). */
export const countEntries: (counts: KeyCounts) => Array<[string, number]> = entriesOf;

export const countsFrom: (entries: ReadonlyArray<readonly [string, number]>) => KeyCounts = smallMapFrom;

/**
 * Adds one to `key`'s count while fewer than `limit` keys are counted (a counted key always counts).
 * Returns the counts: a new value when a new key was added, which the window keeps.
 */
export function countBounded(counts: KeyCounts, key: string, limit: number): KeyCounts {
  if (counts instanceof Map) {
    const current = counts.get(key);
    if (current !== undefined) counts.set(key, current + 1);
    else if (counts.size < limit) counts.set(key, 1);
    return counts;
  }
  const at = flatIndexOf(counts, key);
  if (at !== -1) {
    counts[at + 1] = (counts[at + 1] as number) + 1;
    return counts;
  }
  if (counts.length / 2 >= limit) return counts;
  return withAdded(counts, key, 1);
}

/** The largest count; 0 when nothing is counted. */
export function maxCount(counts: KeyCounts): number {
  let max = 0;
  if (counts instanceof Map) {
    for (const count of counts.values()) if (count > max) max = count;
    return max;
  }
  for (let at = 1; at < counts.length; at += 2) if ((counts[at] as number) > max) max = counts[at] as number;
  return max;
}

/** The `limit` largest counts, ties broken by key, as plain objects for evidence. */
export function topCounts(counts: KeyCounts, limit: number): Array<{ key: string; count: number }> {
  return countEntries(counts)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([key, count]) => ({ key, count }));
}
