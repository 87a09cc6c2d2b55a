import { JsonList, type JsonOut } from './json-slices.js';

/** One entry, linked in least-recently-touched order; `touched` is event time after the map's `since`. */
type Slot<V> = { key: string; value: V; touched: number; older: Slot<V> | null; newer: Slot<V> | null };

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

/**
 * A map bounded in time and size: entries linked in least-recently-touched order (O(1) touch and
 * eviction), idle expiry by event time and a hard cap. Touch order follows arrival, which tracks
 * event time within the allowed lateness, so an expiry sweep can stop at the first entry still in use.
 */
export class IdleMap<V> {
  private readonly slots = new Map<string, Slot<V>>();
  private oldest: Slot<V> | null = null;
  private newest: Slot<V> | null = null;
  /**
   * The first event time set: slots keep their times after it, whole milliseconds that V8 stores
   * inline for 24 days of event time, where an epoch time is boxed (16 bytes more per entry).
   */
  private since = Number.NaN;
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
    return this.slots.get(key)?.value;
  }

  /** The value, marked as used at event time `ts`. */
  touch(key: string, ts: number): V | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    this.moveToNewest(slot);
    if (ts - this.since > slot.touched) slot.touched = ts - this.since;
    return slot.value;
  }

  set(key: string, value: V, ts: number): void {
    const existing = this.slots.get(key);
    if (existing !== undefined) {
      existing.value = value;
      if (ts - this.since > existing.touched) existing.touched = ts - this.since;
      this.moveToNewest(existing);
      return;
    }
    if (Number.isNaN(this.since)) this.since = Number.isFinite(ts) ? ts : 0;
    const slot: Slot<V> = { key, value, touched: ts - this.since, older: this.newest, newer: null };
    if (this.newest !== null) this.newest.newer = slot;
    this.newest = slot;
    this.oldest ??= slot;
    this.slots.set(key, slot);
    while (this.slots.size > this.options.maxEntries && this.oldest !== null)
      this.remove(this.oldest, 'evicted');
  }

  delete(key: string): void {
    const slot = this.slots.get(key);
    if (slot !== undefined) this.unlink(slot);
  }

  /** Removes entries idle since before `watermark − idleMs`, least recently touched first. */
  expire(watermark: number): void {
    const horizon = watermark - this.idleMs - this.since;
    while (this.oldest !== null && this.oldest.touched < horizon) this.remove(this.oldest, 'expired');
  }

  /** Entries in least-recently-touched order, for snapshots. */
  *entries(): IterableIterator<[string, V, number]> {
    for (let slot = this.oldest; slot !== null; slot = slot.newer)
      yield [slot.key, slot.value, slot.touched + this.since];
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

  private remove(slot: Slot<V>, reason: 'evicted' | 'expired'): void {
    this.unlink(slot);
    if (reason === 'evicted') this.evicted++;
    else this.expired++;
    this.options.onRemove?.(slot.key, slot.value, reason);
  }

  private unlink(slot: Slot<V>): void {
    this.slots.delete(slot.key);
    this.detach(slot);
  }

  private detach(slot: Slot<V>): void {
    if (slot.older !== null) slot.older.newer = slot.newer;
    else this.oldest = slot.newer;
    if (slot.newer !== null) slot.newer.older = slot.older;
    else this.newest = slot.older;
    slot.older = null;
    slot.newer = null;
  }

  private moveToNewest(slot: Slot<V>): void {
    if (this.newest === slot) return;
    this.detach(slot);
    slot.older = this.newest;
    if (this.newest !== null) this.newest.newer = slot;
    this.newest = slot;
    this.oldest ??= slot;
  }
}
