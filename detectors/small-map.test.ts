import { describe, expect, it } from 'vitest';
import {
  entriesOf,
  keyCount,
  noKeys,
  type SmallMap,
  smallMapFrom,
  valueAt,
  withAdded,
  withoutFirst,
} from './small-map.js';

const keys = (count: number) => Array.from({ length: count }, (_, index) => `k${index}`);

function filled(count: number): SmallMap<{ n: number }> {
  let map: SmallMap<{ n: number }> = noKeys;
  for (const [index, key] of keys(count).entries()) map = withAdded(map, key, { n: index });
  return map;
}

describe('small maps', () => {
  it('hold a few keys flat and more in a Map, in the order they were added', () => {
    for (const count of [1, 8, 9, 20]) {
      const map = filled(count);
      expect(map instanceof Map).toBe(count > 8);
      expect(keyCount(map)).toBe(count);
      expect(entriesOf(map).map(([key]) => key)).toEqual(keys(count));
      expect(valueAt(map, `k${count - 1}`)).toEqual({ n: count - 1 });
      expect(valueAt(map, 'missing')).toBeUndefined();
    }
    expect(entriesOf(noKeys)).toEqual([]);
  });

  it('forget the key added first, flat or not', () => {
    for (const count of [1, 3, 12]) {
      const map = withoutFirst(filled(count));
      expect(entriesOf(map).map(([key]) => key)).toEqual(keys(count).slice(1));
      expect(valueAt(map, 'k0')).toBeUndefined();
    }
  });

  it('come back from their entries as they were', () => {
    for (const count of [0, 2, 10]) {
      const entries = entriesOf(filled(count));
      expect(entriesOf(smallMapFrom(entries))).toEqual(entries);
    }
  });
});
