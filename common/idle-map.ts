import { JsonList, type JsonOut } from './json-slices.js';

export type IdleMapSnapshot<Saved> = {
  entries: Array<[string, Saved, number]>;
  evicted: number;
  expired: number;
};

export type IdleMapOptions<V> = {
  /** An entry not touched for longer than this (event time) is expired by `expire`. */
  idleMs: number;
  /** Past this many entries the least recently touched one is evicted. */
  maxEntries: number;
  /** Called for every entry leaving through the cap or expiry, before it is removed. */
  onRemove?: (key: string, value: V, reason: 'evicted' | 'expired') => void;
};

const none = -1;
const initialSlots = 16;

/**
 * A map bounded in time and size: entries linked in least-recently-touched order (O(1) touch and
 * eviction), idle expiry by event time and a hard cap. Touch order follows arrival, which tracks
 * event time within the allowed lateness, so an expiry sweep can stop at the first entry still in use.
 *
 * The engine keeps one entry per trace and per root action, millions of them: an entry is a slot
 * number in parallel arrays (key, value, last touch, links), not an object. An object per entry
 * weighed 64 bytes and its epoch time 16 more (boxed); the arrays hold the same in 32, and the links
 * and times are written without the garbage collector's write barrier. The arrays keep the largest
 * size reached (at most `maxEntries` slots); removed entries' slots are reused.
 */
export class IdleMap<V> {
  private readonly slots = new Map<string, number>();
  private keys: Array<string | undefined> = [];
  private values: Array<V | undefined> = [];
  private touched = new Float64Array(initialSlots);
  private older = new Int32Array(initialSlots);
  private newer = new Int32Array(initialSlots);
  /** Slots given back, linked through `newer`. */
  private free = none;
  private oldest = none;
  private newest = none;
  evicted = 0;
  expired = 0;

  private idleMs: number;

  constructor(private readonly options: IdleMapOptions<V>) {
    this.idleMs = options.idleMs;
  }

  /** Keeps idle entries at least `idleMs` (a map shared by users who need different horizons). */
  keepIdleFor(idleMs: number): void {
    if (idleMs > this.idleMs) this.idleMs = idleMs;
  }

  get size(): number {
    return this.slots.size;
  }

  /** The value, without touching it. */
  peek(key: string): V | undefined {
    const slot = this.slots.get(key);
    return slot === undefined ? undefined : this.values[slot];
  }

  /** The value, marked as used at event time `ts`. */
  touch(key: string, ts: number): V | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    this.moveToNewest(slot);
    if (ts > this.touched[slot]!) this.touched[slot] = ts;
    return this.values[slot];
  }

  set(key: string, value: V, ts: number): void {
    const existing = this.slots.get(key);
    if (existing !== undefined) {
      this.values[existing] = value;
      if (ts > this.touched[existing]!) this.touched[existing] = ts;
      this.moveToNewest(existing);
      return;
    }
    const slot = this.allocate();
    this.keys[slot] = key;
    this.values[slot] = value;
    this.touched[slot] = ts;
    this.link(slot);
    this.slots.set(key, slot);
    while (this.slots.size > this.options.maxEntries && this.oldest !== none)
      this.remove(this.oldest, 'evicted');
  }

  delete(key: string): void {
    const slot = this.slots.get(key);
    if (slot !== undefined) this.release(slot);
  }

  /** Removes entries idle since before `watermark − idleMs`, least recently touched first. */
  expire(watermark: number): void {
    const horizon = watermark - this.idleMs;
    while (this.oldest !== none && this.touched[this.oldest]! < horizon) this.remove(this.oldest, 'expired');
  }

  /** Entries in least-recently-touched order, for snapshots. */
  *entries(): IterableIterator<[string, V, number]> {
    for (let slot = this.oldest; slot !== none; slot = this.newer[slot]!)
      yield [this.keys[slot]!, this.values[slot] as V, this.touched[slot]!];
  }

  /**
   * Entries and counters as plain data; `save` turns a value into something JSON-serialisable. The
   * entries are produced as they are written (a JsonList): the map must not change until then.
   */
  snapshot<Saved>(save: (value: V) => Saved): JsonOut<IdleMapSnapshot<Saved>> {
    const entries = this.entries.bind(this);
    const saved = new JsonList(function* (): Generator<[string, Saved, number]> {
      for (const [key, value, lastTs] of entries()) yield [key, save(value), lastTs];
    });
    // A saved value is JSON-serialisable by contract of `save`, which the generic type cannot see.
    return {
      entries: saved as unknown as JsonOut<IdleMapSnapshot<Saved>>['entries'],
      evicted: this.evicted,
      expired: this.expired,
    };
  }

  restore<Saved>(snapshot: IdleMapSnapshot<Saved>, load: (saved: Saved) => V): void {
    for (const [key, saved, lastTs] of snapshot.entries) this.set(key, load(saved), lastTs);
    this.evicted = snapshot.evicted;
    this.expired = snapshot.expired;
  }

  private remove(slot: number, reason: 'evicted' | 'expired'): void {
    const key = this.keys[slot]!;
    const value = this.values[slot] as V;
    this.release(slot);
    if (reason === 'evicted') this.evicted++;
    else this.expired++;
    this.options.onRemove?.(key, value, reason);
  }

  /** Unlinks the slot and gives it back, dropping its key and value for the collector. */
  private release(slot: number): void {
    this.slots.delete(this.keys[slot]!);
    this.unlink(slot);
    this.keys[slot] = undefined;
    this.values[slot] = undefined;
    this.newer[slot] = this.free;
    this.free = slot;
  }

  private allocate(): number {
    if (this.free !== none) {
      const slot = this.free;
      this.free = this.newer[slot]!;
      return slot;
    }
    const slot = this.keys.length;
    if (slot === this.touched.length) this.grow();
    this.keys.push(undefined);
    this.values.push(undefined);
    return slot;
  }

  private grow(): void {
    const capacity = this.touched.length * 2;
    this.touched = copyInto(new Float64Array(capacity), this.touched);
    this.older = copyInto(new Int32Array(capacity), this.older);
    this.newer = copyInto(new Int32Array(capacity), this.newer);
  }

  /** Links a slot in as the newest. */
  private link(slot: number): void {
    this.older[slot] = this.newest;
    this.newer[slot] = none;
    if (this.newest !== none) this.newer[this.newest] = slot;
    else this.oldest = slot;
    this.newest = slot;
  }

  private unlink(slot: number): void {
    const older = this.older[slot]!;
    const newer = this.newer[slot]!;
    if (older !== none) this.newer[older] = newer;
    else this.oldest = newer;
    if (newer !== none) this.older[newer] = older;
    else this.newest = older;
  }

  private moveToNewest(slot: number): void {
    if (this.newest === slot) return;
    this.unlink(slot);
    this.link(slot);
  }
}

function copyInto<T extends Float64Array | Int32Array>(to: T, from: T): T {
  to.set(from);
  return to;
}
