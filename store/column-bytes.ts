const quote = 0x22;
const backslash = 0x5c;
const twoPow32 = 0x1_0000_0000;
/**
 * Buffers a column keeps for blocks to come: an INSERT of a backlog gives back up to five blocks at
 * once (half the default buffer), and the blocks filling meanwhile take theirs.
 */
const maxSpares = 8;

/**
 * One column's values in ClickHouse's binary encoding, appended one after another into a buffer that
 * grows: numbers little-endian, strings prefixed with their UTF-8 length (LEB128). What a Native
 * block holds for a column (see native-blocks.ts).
 */
export class ColumnBytes {
  private buffer: Buffer;
  private position = 0;
  /** Buffers handed over by `detach` and given back, for the next ones to write into. */
  private readonly spares: Buffer[] = [];

  constructor(initialBytes = 1024) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  /** The bytes written so far: a view, valid until the next write after `truncate`. */
  written(): Buffer {
    return this.buffer.subarray(0, this.position);
  }

  /**
   * Hands over the bytes written so far and starts again from empty. Bytes that fill a good part of
   * their buffer are handed over in it (`buffer`, for `recycle` once they are no longer needed), and
   * writing goes on in a spare buffer or a new one as large: no copy, and no new memory outside the
   * heap once buffers come back, which V8 counts towards collecting. A few bytes in a large buffer
   * are copied out instead, so that a small block does not hold a large buffer.
   */
  detach(): { written: Buffer; buffer?: Buffer } {
    const { buffer, position } = this;
    this.position = 0;
    if (position * 4 < buffer.length) return { written: Buffer.from(buffer.subarray(0, position)) };
    this.buffer = this.spares.pop() ?? Buffer.allocUnsafe(buffer.length);
    return { written: buffer.subarray(0, position), buffer };
  }

  /** A buffer `detach` handed over, back once nothing reads its bytes any more. */
  recycle(buffer: Buffer): void {
    if (this.spares.length < maxSpares) this.spares.push(buffer);
  }

  get length(): number {
    return this.position;
  }

  /** Drops what was written past `length`, keeping the buffer (a column's next block is about the size of its last). */
  truncate(length: number): void {
    this.position = length;
  }

  /** The last value written by `int64`, or 0 when nothing is written. */
  lastInt64(): number {
    if (this.position === 0) return 0;
    return (
      this.buffer.readUInt32LE(this.position - 8) + this.buffer.readInt32LE(this.position - 4) * twoPow32
    );
  }

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.position++] = value;
  }

  varUInt(value: number): void {
    this.reserve(10);
    this.position = this.writeVarUInt(this.position, value);
  }

  /** LEB128 at `at`, in room already reserved; returns where it ends. */
  private writeVarUInt(at: number, value: number): number {
    let end = at;
    let rest = value;
    while (rest >= 0x80) {
      this.buffer[end++] = (rest & 0x7f) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.buffer[end++] = rest;
    return end;
  }

  string(value: string): void {
    if (value.length < 0x80 && this.ascii(value)) return;
    // UTF-8 takes at most three bytes per UTF-16 unit: a short string's length fits the one byte reserved.
    if (value.length * 3 < 0x80) {
      this.reserve(1 + value.length * 3);
      const length = this.buffer.write(value, this.position + 1, 'utf8');
      this.buffer[this.position] = length;
      this.position += 1 + length;
      return;
    }
    const length = Buffer.byteLength(value, 'utf8');
    this.varUInt(length);
    this.reserve(length);
    this.position += this.buffer.write(value, this.position, 'utf8');
  }

  /**
   * Starts a String value whose text is written piece by piece (`byte`, `jsonString`) and whose length
   * is known only at `closeString(start)`: two bytes are kept for the length, enough below 16 KB (a
   * shorter or longer text is moved once to fit its length).
   */
  openString(): number {
    this.reserve(2);
    const start = this.position;
    this.position += 2;
    return start;
  }

  closeString(start: number): void {
    const length = this.position - start - 2;
    let lengthBytes = 1;
    for (let rest = length; rest >= 0x80; rest = Math.floor(rest / 0x80)) lengthBytes++;
    if (lengthBytes > 2) this.reserve(lengthBytes - 2);
    if (lengthBytes !== 2) this.buffer.copyWithin(start + lengthBytes, start + 2, this.position);
    this.writeVarUInt(start, length);
    this.position = start + lengthBytes + length;
  }

  /** A JSON string literal of `value` (null when undefined), as JSON.stringify writes it. */
  jsonString(value: string | undefined): void {
    if (value === undefined) {
      this.reserve(4);
      this.position += this.buffer.write('null', this.position, 'latin1');
      return;
    }
    this.reserve(2 + value.length);
    const { buffer } = this;
    let at = this.position;
    buffer[at++] = quote;
    for (let index = 0; index < value.length; index++) {
      const code = value.charCodeAt(index);
      // Printable ASCII is written as it is; anything JSON escapes (or UTF-8 encodes) goes through JSON.stringify.
      if (code < 0x20 || code >= 0x80 || code === quote || code === backslash) {
        const text = JSON.stringify(value);
        this.reserve(text.length * 3);
        this.position += this.buffer.write(text, this.position, 'utf8');
        return;
      }
      buffer[at++] = code;
    }
    buffer[at++] = quote;
    this.position = at;
  }

  /**
   * A short ASCII string (most of a hop's) byte by byte: cheaper than `Buffer.write`'s call into the
   * runtime for a few characters. Anything else is left for the general path: the position does not
   * move, and what was copied past it is written over.
   */
  private ascii(value: string): boolean {
    this.reserve(1 + value.length);
    const { buffer } = this;
    const start = this.position + 1;
    for (let index = 0; index < value.length; index++) {
      const code = value.charCodeAt(index);
      if (code >= 0x80) return false;
      buffer[start + index] = code;
    }
    buffer[this.position] = value.length;
    this.position = start + value.length;
    return true;
  }

  /** An unsigned integer of `bytes` bytes; past the column's range it is stored at `max`. */
  uint(value: number, bytes: 1 | 2 | 4, max: number): void {
    this.reserve(bytes);
    this.buffer.writeUIntLE(Math.min(Math.max(0, Math.trunc(value)), max), this.position, bytes);
    this.position += bytes;
  }

  int64(value: number): void {
    this.reserve(8);
    const high = Math.floor(value / twoPow32);
    this.buffer.writeUInt32LE(value - high * twoPow32, this.position);
    this.buffer.writeInt32LE(high, this.position + 4);
    this.position += 8;
  }

  float64(value: number): void {
    this.reserve(8);
    this.buffer.writeDoubleLE(value, this.position);
    this.position += 8;
  }

  /** Room for `bytes` more: the buffer doubles (at least), what it holds copied over. */
  private reserve(bytes: number): void {
    if (this.position + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.buffer.length, this.position + bytes));
    this.buffer.copy(grown, 0, 0, this.position);
    this.buffer = grown;
  }
}
