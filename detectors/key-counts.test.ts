import { describe, expect, it } from 'vitest';
import {
  countBounded,
  countEntries,
  countedKeys,
  countOf,
  countsFrom,
  type KeyCounts,
  maxCount,
  noCounts,
  topCounts,
} from './key-counts.js';

function countAll(keys: string[], limit = 256, start: KeyCounts = noCounts): KeyCounts {
  let counts = start;
  for (const key of keys) counts = countBounded(counts, key, limit);
  return counts;
}

describe('key counts', () => {
  it('counts a few keys in insertion order without touching the shared empty counts', () => {
    const counts = countAll(['b', 'a', 'b', 'c', 'b']);
    expect(countEntries(counts)).toEqual([
      ['b', 3],
      ['a', 1],
      ['c', 1],
    ]);
    expect(countOf(counts, 'b')).toBe(3);
    expect(countOf(counts, 'z')).toBeUndefined();
    expect(countedKeys(counts)).toBe(3);
    expect(countedKeys(noCounts)).toBe(0);
    expect(countEntries(noCounts)).toEqual([]);
    expect(maxCount(counts)).toBe(3);
    expect(maxCount(noCounts)).toBe(0);
  });

  it('keeps counting past the keys an array holds, in the same order', () => {
    const keys = Array.from({ length: 20 }, (_, index) => `k${index}`);
    const counts = countAll([...keys, 'k3', 'k19', 'k3']);
    expect(counts).toBeInstanceOf(Map);
    expect(countedKeys(counts)).toBe(20);
    expect(countEntries(counts).map(([key]) => key)).toEqual(keys);
    expect(countOf(counts, 'k3')).toBe(3);
    expect(maxCount(counts)).toBe(3);
    expect(topCounts(counts, 2)).toEqual([
      { key: 'k3', count: 3 },
      { key: 'k19', count: 2 },
    ]);
  });

  it('stops adding keys at the limit, while counted keys still count', () => {
    const counts = countAll(['a', 'b', 'c', 'a', 'd'], 2);
    expect(countEntries(counts)).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
  });

  it('comes back from its entries as it was saved', () => {
    for (const size of [0, 3, 12]) {
      const counts = countAll(Array.from({ length: size }, (_, index) => `k${index % 5 === 0 ? 0 : index}`));
      const restored = countsFrom(countEntries(counts));
      expect(countEntries(restored)).toEqual(countEntries(counts));
      expect(countEntries(countBounded(restored, 'k1', 256))).toEqual(
        countEntries(countBounded(counts, 'k1', 256)),
      );
    }
  });
});
