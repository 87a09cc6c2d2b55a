/** A Map throws past 2^24 entries: a memo starts over before that, whatever limit it was given. */
const mapMaxEntries = 2 ** 24;

/**
 * `compute(key)` remembered for the recent keys: the same few thousand names come back on every hop.
 * Bounded: past `limit` keys it starts over (values already handed out stay valid).
 */
export class BoundedMemo<V> {
  private readonly known = new Map<string, V>();
  private readonly limit: number;

  constructor(
    private readonly compute: (key: string) => V,
    limit: number,
  ) {
    this.limit = Math.min(limit, mapMaxEntries);
  }

  of(key: string): V {
    let value = this.known.get(key);
    if (value === undefined) {
      value = this.compute(key);
      if (this.known.size >= this.limit) this.known.clear();
      this.known.set(key, value);
    }
    return value;
  }
}
