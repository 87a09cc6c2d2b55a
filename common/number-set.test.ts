import { describe, expect, it } from 'vitest';
import { hopIdHash } from '../lineage/seen-hops.js';
import { NumberSet } from './number-set.js';

describe('NumberSet', () => {
  it('answers as a Set through adds and deletes that wrap around, grow and shift probe runs', () => {
    const set = new NumberSet();
    const reference = new Set<number>();
    // Hop-id hashes (53 bits), and small values that collide on purpose (same low bits).
    const values = [
      ...Array.from({ length: 3_000 }, (_, index) => hopIdHash(`hop-${index}`)),
      ...Array.from({ length: 200 }, (_, index) => index * 64 + 63),
      0,
    ];
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    for (let step = 0; step < 40_000; step++) {
      const value = values[Math.floor(random() * values.length)]!;
      if (random() < 0.55) {
        set.add(value);
        reference.add(value);
      } else {
        set.delete(value);
        reference.delete(value);
      }
      if (step % 1_000 === 0)
        expect(values.filter((each) => set.has(each))).toEqual(values.filter((each) => reference.has(each)));
    }
    expect(set.size).toBe(reference.size);
    expect(values.filter((each) => set.has(each))).toEqual(values.filter((each) => reference.has(each)));
  });
});
