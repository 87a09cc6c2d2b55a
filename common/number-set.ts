const empty = -1;

/**
 * A set of integers in [0, 2^53) held in one Float64Array (open addressing, linear probing, at most
 * half full). A Set<number> of such values boxes each one (a 16-byte heap number) besides its table
 * entry; this holds 16 bytes a value at worst and nothing else.
 */
export class NumberSet {
  private slots = new Float64Array(64).fill(empty);
  private count = 0;

  get size(): number {
    return this.count;
  }

  has(value: number): boolean {
    return this.slots[this.find(value)] === value;
  }

  add(value: number): void {
    if ((this.count + 1) * 2 > this.slots.length) this.resize(this.slots.length * 2);
    const at = this.find(value);
    if (this.slots[at] === value) return;
    this.slots[at] = value;
    this.count++;
  }

  delete(value: number): void {
    let hole = this.find(value);
    if (this.slots[hole] !== value) return;
    const mask = this.slots.length - 1;
    // Backward shift: a later entry of the same probe run moves into the hole unless its home lies
    // cyclically after the hole, so that every entry stays reachable from its home without tombstones.
    for (let next = (hole + 1) & mask; this.slots[next] !== empty; next = (next + 1) & mask) {
      const home = this.home(this.slots[next]!);
      const stays = hole < next ? home > hole && home <= next : home > hole || home <= next;
      if (stays) continue;
      this.slots[hole] = this.slots[next]!;
      hole = next;
    }
    this.slots[hole] = empty;
    this.count--;
  }

  /** The slot holding `value`, or the empty slot where it would go. */
  private find(value: number): number {
    const mask = this.slots.length - 1;
    let at = this.home(value);
    while (this.slots[at] !== empty && this.slots[at] !== value) at = (at + 1) & mask;
    return at;
  }

  /** The low bits (ToInt32 keeps the low 32 bits of an integer below 2^53). */
  private home(value: number): number {
    return value & (this.slots.length - 1);
  }

  private resize(length: number): void {
    const previous = this.slots;
    this.slots = new Float64Array(length).fill(empty);
    for (const value of previous) if (value !== empty) this.slots[this.find(value)] = value;
  }
}
