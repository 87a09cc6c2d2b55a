type Slot<V> = { value: V; lastTs: number };

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
 * A map bounded in time and size: least-recently-touched order (a JS Map re-inserted on touch),
 * idle expiry by event time and a hard cap. Touch order follows arrival, which tracks event time
 * within the allowed lateness, so an expiry sweep can stop at the first entry still in use.
 */
export class IdleMap<V> {
  private readonly slots = new Map<string, Slot<V>>();
  evicted = 0;
  expired = 0;

  constructor(private readonly options: IdleMapOptions<V>) {}

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
    this.slots.delete(key);
    this.slots.set(key, slot);
    if (ts > slot.lastTs) slot.lastTs = ts;
    return slot.value;
  }

  set(key: string, value: V, ts: number): void {
    const slot = this.slots.get(key);
    if (slot !== undefined) this.slots.delete(key);
    this.slots.set(key, { value, lastTs: Math.max(ts, slot?.lastTs ?? ts) });
    while (this.slots.size > this.options.maxEntries) this.removeOldest('evicted');
  }

  delete(key: string): void {
    this.slots.delete(key);
  }

  /** Removes entries idle since before `watermark − idleMs`, oldest first. */
  expire(watermark: number): void {
    const horizon = watermark - this.options.idleMs;
    for (const slot of this.slots.values()) {
      if (slot.lastTs >= horizon) return;
      this.removeOldest('expired');
    }
  }

  /** Entries in least-recently-touched order, for snapshots. */
  *entries(): IterableIterator<[string, V, number]> {
    for (const [key, slot] of this.slots) yield [key, slot.value, slot.lastTs];
  }

  /** Entries and counters as plain data; `save` turns a value into something JSON-serialisable. */
  snapshot<Saved>(save: (value: V) => Saved): IdleMapSnapshot<Saved> {
    const entries: Array<[string, Saved, number]> = [];
    for (const [key, slot] of this.slots) entries.push([key, save(slot.value), slot.lastTs]);
    return { entries, evicted: this.evicted, expired: this.expired };
  }

  restore<Saved>(snapshot: IdleMapSnapshot<Saved>, load: (saved: Saved) => V): void {
    for (const [key, saved, lastTs] of snapshot.entries) this.set(key, load(saved), lastTs);
    this.evicted = snapshot.evicted;
    this.expired = snapshot.expired;
  }

  private removeOldest(reason: 'evicted' | 'expired'): void {
    const oldest = this.slots.entries().next();
    if (oldest.done === true) return;
    const [key, slot] = oldest.value;
    this.slots.delete(key);
    if (reason === 'evicted') this.evicted++;
    else this.expired++;
    this.options.onRemove?.(key, slot.value, reason);
  }
}
