import { NumberSet } from '../common/number-set.js';

/**
 * The hop ids seen lately, so that a retried batch or a redelivered record is judged once. Ids are
 * kept as 53-bit hashes (a few dozen bytes each instead of the string), in arrival order; each is
 * remembered until the watermark has moved `horizonMs` past where it stood when the id arrived, and
 * at most `maxIds` are kept. A new hop taken for a copy needs a 53-bit collision among the ids kept:
 * about one in 10^10 per hop at a million ids.
 */
export class SeenHops {
  private readonly seen = new NumberSet();
  private hashes = new Float64Array(1024);
  private expiries = new Float64Array(1024);
  private head = 0;
  private count = 0;

  constructor(
    private readonly horizonMs: number,
    private readonly maxIds: number,
  ) {}

  get size(): number {
    return this.count;
  }

  /** True when `hopId` was seen within the horizon; otherwise remembers it and returns false. */
  checkAndRemember(hopId: string, watermark: number): boolean {
    const hash = hopIdHash(hopId);
    if (this.seen.has(hash)) return true;
    this.push(hash, watermark + this.horizonMs);
    return false;
  }

  /** Forgets the ids whose horizon the watermark has passed. */
  expire(watermark: number): void {
    while (this.count > 0 && this.expiries[this.head]! <= watermark) this.shift();
  }

  snapshot(): { hashes: string; expiries: string } {
    const { hashes, expiries } = this.inArrivalOrder(this.count);
    return { hashes: toBase64(hashes), expiries: toBase64(expiries) };
  }

  restore(saved: { hashes: string; expiries: string }): void {
    const hashes = fromBase64(saved.hashes);
    const expiries = fromBase64(saved.expiries);
    if (hashes.length !== expiries.length) throw new Error('seen hops: hashes and expiries differ in length');
    for (let i = 0; i < hashes.length; i++) {
      if (!this.seen.has(hashes[i]!)) this.push(hashes[i]!, expiries[i]!);
    }
  }

  private push(hash: number, expiry: number): void {
    if (this.count >= this.maxIds) this.shift();
    if (this.count === this.hashes.length) this.grow();
    const slot = (this.head + this.count) % this.hashes.length;
    this.hashes[slot] = hash;
    // A later arrival never expires before an earlier one, so the ring stays in expiry order.
    const previous =
      this.count > 0 ? this.expiries[(slot - 1 + this.hashes.length) % this.hashes.length]! : expiry;
    this.expiries[slot] = Math.max(expiry, previous);
    this.seen.add(hash);
    this.count++;
  }

  private shift(): void {
    this.seen.delete(this.hashes[this.head]!);
    this.head = (this.head + 1) % this.hashes.length;
    this.count--;
  }

  private grow(): void {
    const { hashes, expiries } = this.inArrivalOrder(
      Math.min(this.hashes.length * 2, Math.max(this.maxIds, 1)),
    );
    this.hashes = hashes;
    this.expiries = expiries;
    this.head = 0;
  }

  /** The ring unrolled, oldest first, into arrays of `size` (at least `count`). */
  private inArrivalOrder(size: number): {
    hashes: Float64Array<ArrayBuffer>;
    expiries: Float64Array<ArrayBuffer>;
  } {
    const hashes = new Float64Array(size);
    const expiries = new Float64Array(size);
    for (let i = 0; i < this.count; i++) {
      const slot = (this.head + i) % this.hashes.length;
      hashes[i] = this.hashes[slot]!;
      expiries[i] = this.expiries[slot]!;
    }
    return { hashes, expiries };
  }
}

/** Two FNV-1a passes with different offsets, combined into 53 bits (a double holds them exactly). */
export function hopIdHash(id: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < id.length; i++) {
    const code = id.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193);
    b = Math.imul(b ^ code, 0x01000193) ^ (b >>> 15);
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}

function toBase64(values: Float64Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

function fromBase64(text: string): Float64Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.byteLength % 8 !== 0) throw new Error('seen hops: not a list of 8-byte numbers');
  const copy = new Uint8Array(bytes);
  return new Float64Array(copy.buffer, 0, copy.byteLength / 8);
}
