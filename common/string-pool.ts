/**
 * One string object per distinct value among the recent ones: strings decoded from each record are
 * new objects even when their text repeats (a credential on every hop of a trace, a workload on every
 * call it makes), and state that keeps them keeps every copy. Bounded: past `limit` values the pool
 * starts over (strings already shared stay shared).
 */
export class StringPool {
  private readonly strings = new Map<string, string>();

  constructor(private readonly limit = 100_000) {}

  of(text: string): string {
    const known = this.strings.get(text);
    if (known !== undefined) return known;
    if (this.strings.size >= this.limit) this.strings.clear();
    this.strings.set(text, text);
    return text;
  }
}
