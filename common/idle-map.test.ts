import { describe, expect, it } from 'vitest';
import { IdleMap } from './idle-map.js';

type Removal = [key: string, value: number, reason: 'evicted' | 'expired'];

function mapWith(options: { idleMs?: number; maxEntries?: number } = {}) {
  const removed: Removal[] = [];
  const map = new IdleMap<number>({
    idleMs: options.idleMs ?? 1_000,
    maxEntries: options.maxEntries ?? 1_000_000,
    onRemove: (key, value, reason) => removed.push([key, value, reason]),
  });
  return { map, removed };
}

const keysOf = (map: IdleMap<number>) => [...map.entries()].map(([key]) => key);

describe('IdleMap', () => {
  it('keeps entries in least-recently-touched order', () => {
    const { map } = mapWith();
    map.set('a', 1, 100);
    map.set('b', 2, 110);
    map.set('c', 3, 120);
    expect(map.touch('a', 130)).toBe(1);
    map.set('b', 20, 140);
    expect(keysOf(map)).toEqual(['c', 'a', 'b']);
    expect([...map.entries()]).toEqual([
      ['c', 3, 120],
      ['a', 1, 130],
      ['b', 20, 140],
    ]);
    expect(map.peek('b')).toBe(20);
    expect(map.touch('missing', 150)).toBeUndefined();
  });

  it('never moves an entry back in event time when touched late', () => {
    const { map } = mapWith();
    map.set('a', 1, 500);
    map.touch('a', 200);
    expect([...map.entries()]).toEqual([['a', 1, 500]]);
  });

  it('expires entries idle past the horizon, oldest first, and stops at the first in use', () => {
    const { map, removed } = mapWith({ idleMs: 100 });
    map.set('a', 1, 0);
    map.set('b', 2, 50);
    map.set('c', 3, 200);
    map.touch('a', 190);
    map.expire(260);
    expect(removed).toEqual([['b', 2, 'expired']]);
    expect(keysOf(map)).toEqual(['c', 'a']);
    expect(map.expired).toBe(1);
    map.expire(Number.POSITIVE_INFINITY);
    expect(map.size).toBe(0);
    expect(removed.map(([key]) => key)).toEqual(['b', 'c', 'a']);
  });

  it('evicts the least recently touched entry past the cap', () => {
    const { map, removed } = mapWith({ maxEntries: 2 });
    map.set('a', 1, 0);
    map.set('b', 2, 1);
    map.touch('a', 2);
    map.set('c', 3, 3);
    expect(removed).toEqual([['b', 2, 'evicted']]);
    expect(keysOf(map)).toEqual(['a', 'c']);
    expect(map.evicted).toBe(1);
  });

  it('reuses the places of removed entries and grows past its first capacity', () => {
    const { map } = mapWith({ idleMs: 10 });
    for (let index = 0; index < 100; index++) map.set(`k${index}`, index, index);
    map.delete('k50');
    map.expire(60);
    expect(map.size).toBe(49);
    for (let index = 100; index < 300; index++) map.set(`k${index}`, index, index);
    expect(map.size).toBe(249);
    expect(keysOf(map)).toEqual([
      ...Array.from({ length: 49 }, (_, index) => `k${index + 51}`),
      ...Array.from({ length: 200 }, (_, index) => `k${index + 100}`),
    ]);
    expect(map.peek('k50')).toBeUndefined();
    expect(map.peek('k299')).toBe(299);
  });

  it('restores what it saved, order, times and counters included', () => {
    const { map } = mapWith({ idleMs: 100, maxEntries: 3 });
    map.set('a', 1, 10);
    map.set('b', 2, 20);
    map.set('c', 3, 30);
    map.set('d', 4, 40);
    map.touch('b', 50);
    map.expire(135);
    const saved = JSON.parse(JSON.stringify(map.snapshot((value) => value * 10)));
    expect(saved).toEqual({
      entries: [
        ['d', 40, 40],
        ['b', 20, 50],
      ],
      evicted: 1,
      expired: 1,
    });
    const { map: restored } = mapWith({ idleMs: 100, maxEntries: 3 });
    restored.restore(saved, (value: number) => value / 10);
    expect([...restored.entries()]).toEqual([...map.entries()]);
    expect(restored.evicted).toBe(1);
    expect(restored.expired).toBe(1);
  });
});
