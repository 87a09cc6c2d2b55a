import { appended } from '../common/exact-array.js';

/**
 * Values by key, as windows and histories keep them a million times over (calls per route, the
 * destinations an origin has called…). Most hold one key or a few, and a Map weighs about 180 bytes
 * even for one: the first `flatKeys` keys are a flat array `[key, value, key, value, …]` of exactly
 * their length, and only more keys than that make a Map. Insertion order is kept either way.
 */
export type SmallMap<V> = Array<string | V> | Map<string, V>;

const flatKeys = 8;

/**
 * No key: one frozen array that every window starts with. It is never changed in place (a key is
 * added by copying, see withAdded), so a window that holds nothing costs nothing.
 */
export const noKeys = Object.freeze([]) as unknown as SmallMap<never>;

export function valueAt<V>(map: SmallMap<V>, key: string): V | undefined {
  if (map instanceof Map) return map.get(key);
  const at = flatIndexOf(map, key);
  return at === -1 ? undefined : (map[at + 1] as V);
}

export function keyCount(map: SmallMap<unknown>): number {
  return map instanceof Map ? map.size : map.length / 2;
}

/** The entries, in the order their keys were added (what snapshots save). */
export function entriesOf<V>(map: SmallMap<V>): Array<[string, V]> {
  if (map instanceof Map) return [...map];
  const entries: Array<[string, V]> = [];
  for (let at = 0; at < map.length; at += 2) entries.push([map[at] as string, map[at + 1] as V]);
  return entries;
}

export function smallMapFrom<V>(entries: ReadonlyArray<readonly [string, V]>): SmallMap<V> {
  if (entries.length === 0) return noKeys;
  return entries.length > flatKeys ? new Map(entries) : entries.flat();
}

/** The map with `key`, which it does not hold yet, added last: a new value, which the holder keeps. */
export function withAdded<V>(map: SmallMap<V>, key: string, value: V): SmallMap<V> {
  if (map instanceof Map) return map.set(key, value);
  if (map.length / 2 >= flatKeys) return new Map([...entriesOf(map), [key, value]]);
  return appended<string | V>(map, key, value);
}

/** The map without the key added first. */
export function withoutFirst<V>(map: SmallMap<V>): SmallMap<V> {
  if (!(map instanceof Map)) return map.length <= 2 ? noKeys : map.slice(2);
  const first = map.keys().next();
  if (first.done !== true) map.delete(first.value);
  return map;
}

/** Where `key` is in a flat map (its value follows it), or -1. */
export function flatIndexOf(map: ReadonlyArray<unknown>, key: string): number {
  for (let at = 0; at < map.length; at += 2) if (map[at] === key) return at;
  return -1;
}
