/** Writes one column value of a row at the encoder's position. */
export type ValueWriter = (encoder: RowBinaryEncoder, value: unknown) => void;

const quote = 0x22;
const backslash = 0x5c;
const uint16Max = 0xffff;
const uint32Max = 0xffff_ffff;
const twoPow32 = 0x1_0000_0000;

/**
 * Rows in ClickHouse's RowBinary format: each row its columns' values in order, numbers little-endian,
 * strings and arrays prefixed with their length (LEB128), a Nullable value by a null byte. chDB parses
 * it in about a fifth of the time JSONCompactEachRow takes at the hops' width. Column types are read
 * from the table's DDL (a type without an encoding here fails at start-up, not on the first row), or
 * given as a writer of their own (a String column whose text is built in place, see `openString`).
 */
export class RowBinaryEncoder {
  /** Where the row is written: the caller's buffer, or the one the row moved to. */
  private buffer: Buffer = Buffer.alloc(0);
  private position = 0;
  /** Where the row being written starts in `buffer`: a row that outgrows it moves, and positions inside it with it. */
  private rowStart = 0;
  private readonly writers: ValueWriter[];

  constructor(types: ReadonlyArray<string | ValueWriter>) {
    this.writers = types.map((type) => (typeof type === 'string' ? valueWriter(type) : type));
  }

  /**
   * One row, values in column order, written into `target` from `at`: rows are kept back to back
   * where they are queued, without a copy (OrderedRows.pushEncoded). A row that does not fit is moved
   * to the start of a new buffer as large as `target`: returns the buffer that holds the row, which
   * ends at `end`.
   */
  writeRow(values: readonly unknown[], target: Buffer, at: number): Buffer {
    this.buffer = target;
    this.position = at;
    this.rowStart = at;
    for (let index = 0; index < this.writers.length; index++) this.writers[index]!(this, values[index]);
    return this.buffer;
  }

  /** Where the last row written ends in the buffer `writeRow` returned. */
  get end(): number {
    return this.position;
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
   * shorter or longer text is moved once to fit its length). `start` counts from the row's start,
   * which stays valid when the row moves.
   */
  openString(): number {
    this.reserve(2);
    const start = this.position - this.rowStart;
    this.position += 2;
    return start;
  }

  closeString(fromRowStart: number): void {
    const length = this.position - this.rowStart - fromRowStart - 2;
    let lengthBytes = 1;
    for (let rest = length; rest >= 0x80; rest = Math.floor(rest / 0x80)) lengthBytes++;
    if (lengthBytes > 2) this.reserve(lengthBytes - 2);
    const start = this.rowStart + fromRowStart;
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

  /** Room for `bytes` more: a row that would not fit moves, what it has so far, to a new buffer. */
  private reserve(bytes: number): void {
    if (this.position + bytes <= this.buffer.length) return;
    const rowBytes = this.position - this.rowStart;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length, 2 * (rowBytes + bytes)));
    this.buffer.copy(grown, 0, this.rowStart, this.position);
    this.buffer = grown;
    this.position = rowBytes;
    this.rowStart = 0;
  }
}

/** The writer of a column type as the DDL names it (`LowCardinality` and a `DEFAULT` change nothing on the wire). */
function valueWriter(type: string): ValueWriter {
  const bare = type.replace(/ DEFAULT .*$/, '');
  const wrapped = /^(Nullable|Array|LowCardinality)\((.*)\)$/.exec(bare);
  if (wrapped !== null) {
    const inner = valueWriter(wrapped[2]!);
    if (wrapped[1] === 'LowCardinality') return inner;
    if (wrapped[1] === 'Array')
      return (encoder, value) => {
        const items = value as readonly unknown[];
        encoder.varUInt(items.length);
        for (const item of items) inner(encoder, item);
      };
    return (encoder, value) => {
      encoder.byte(value === null || value === undefined ? 1 : 0);
      if (value !== null && value !== undefined) inner(encoder, value);
    };
  }
  if (bare === 'String') return (encoder, value) => encoder.string(value as string);
  if (bare === 'Bool') return (encoder, value) => encoder.byte(value === true ? 1 : 0);
  // Past the column's range a value is stored at its maximum: no real status, depth or partition is that large.
  if (bare === 'UInt16') return (encoder, value) => encoder.uint(value as number, 2, uint16Max);
  if (bare === 'UInt32') return (encoder, value) => encoder.uint(value as number, 4, uint32Max);
  if (bare === 'Float64') return (encoder, value) => encoder.float64(value as number);
  // Epoch milliseconds, the tick of DateTime64(3).
  if (bare.startsWith('DateTime64(3')) return (encoder, value) => encoder.int64(value as number);
  throw new Error(`no RowBinary encoding for the column type ${type}`);
}
