/**
 * `compute(key)` remembered for the recent keys: the same few thousand names come back on every hop.
 * Bounded: past `limit` keys it starts over (values already handed out stay valid).
 */
export class BoundedMemo<V> {
  private readonly known = new Map<string, V>();

  constructor(
    private readonly compute: (key: string) => V,
    private readonly limit: number,
  ) {}

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
