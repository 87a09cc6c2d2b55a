import { appended } from '../common/exact-array.js';

/**
 * Counts by key, as windows keep them (calls per route, origins per credential, statuses…). Most
 * windows count one key or a few, and a Map weighs about 180 bytes even for one: the first
 * `flatKeys` keys are a flat array `[key, count, key, count, …]` of exactly their length, and only
 * more keys than that make a Map. Insertion order is kept either way.
 */
export type KeyCounts = Array<string | number> | Map<string, number>;

const flatKeys = 8;

/**
 * No key counted: one frozen array that every window starts with. It is never changed in place (a new
 * key is added by copying, see countBounded), so a window that counts nothing costs nothing.
 */
export const noCounts = Object.freeze([]) as unknown as KeyCounts;

export function countOf(counts: KeyCounts, key: string): number | undefined {
  if (counts instanceof Map) return counts.get(key);
  const at = flatIndexOf(counts, key);
  return at === -1 ? undefined : (counts[at + 1] as number);
}

export function countedKeys(counts: KeyCounts): number {
  return counts instanceof Map ? counts.size : counts.length / 2;
}

/** The counts as entries, in the order their keys were first counted (what snapshots save). */
export function countEntries(counts: KeyCounts): Array<[string, number]> {
  if (counts instanceof Map) return [...counts];
  const entries: Array<[string, number]> = [];
  for (let at = 0; at < counts.length; at += 2)
    entries.push([counts[at] as string, counts[at + 1] as number]);
  return entries;
}

export function countsFrom(entries: ReadonlyArray<readonly [string, number]>): KeyCounts {
  if (entries.length === 0) return noCounts;
  return entries.length > flatKeys ? new Map(entries) : entries.flat();
}

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
  if (counts.length / 2 >= flatKeys) return new Map([...countEntries(counts), [key, 1]]);
  return appended<string | number>(counts, key, 1);
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

function flatIndexOf(counts: ReadonlyArray<string | number>, key: string): number {
  for (let at = 0; at < counts.length; at += 2) if (counts[at] === key) return at;
  return -1;
}
