/** JSON objects by column name, JSON arrays in the order of `columns`, or Native blocks of those columns. */
export type RowFormat =
  | { format: 'JSONEachRow' }
  | { format: 'JSONCompactEachRow' | 'Native'; columns: readonly string[] };

/**
 * The head of a queue, taken for one INSERT: its bytes, in one or more pieces (an INSERT's body is
 * their concatenation); `written()` removes it once the store has it.
 */
export type TakenRows = { rows: readonly Buffer[]; count: number; written(): void };

/** Rows waiting for one table, each already encoded in `format` (a JSON row with its newline): an INSERT's body is their concatenation. */
export interface RowQueue {
  readonly table: string;
  readonly format: RowFormat;
  size(): number;
  take(count: number): TakenRows;
}

/** Rows are packed into chunks of this size (a longer row gets a chunk of its own). */
const chunkBytes = 256 * 1024;

/** Consecutive rows in one buffer: `ends[i]` is where row i ends; rows before `head` are written. */
type Chunk = { bytes: Buffer; used: number; ends: number[]; head: number };

/**
 * Rows in arrival order, their bytes copied into shared chunks: no object per waiting row (tens of
 * thousands wait at a time, long enough to outlive the young generation), and an INSERT's body is a
 * few slices. Writers only append, so a written head is still the head when it is removed.
 */
export class OrderedRows implements RowQueue {
  private chunks: Chunk[] = [];
  private count = 0;

  constructor(
    readonly table: string,
    readonly format: RowFormat,
  ) {}

  /** Copies the row's bytes (a string as UTF-8): the caller may reuse what it passed. */
  push(row: Uint8Array | string): void {
    const length = typeof row === 'string' ? Buffer.byteLength(row) : row.length;
    const chunk = this.chunkWithRoom(length);
    if (typeof row === 'string') chunk.bytes.write(row, chunk.used);
    else chunk.bytes.set(row, chunk.used);
    chunk.used += length;
    chunk.ends.push(chunk.used);
    this.count++;
  }

  size(): number {
    return this.count;
  }

  take(count: number): TakenRows {
    const rows: Buffer[] = [];
    const taken: Array<[Chunk, number]> = [];
    let left = count;
    for (const chunk of this.chunks) {
      if (left === 0) break;
      const rowsHere = Math.min(left, chunk.ends.length - chunk.head);
      if (rowsHere === 0) continue;
      const from = chunk.head === 0 ? 0 : chunk.ends[chunk.head - 1]!;
      rows.push(chunk.bytes.subarray(from, chunk.ends[chunk.head + rowsHere - 1]));
      taken.push([chunk, rowsHere]);
      left -= rowsHere;
    }
    return { rows, count: count - left, written: () => this.remove(taken) };
  }

  private remove(taken: ReadonlyArray<[Chunk, number]>): void {
    for (const [chunk, rows] of taken) {
      chunk.head += rows;
      this.count -= rows;
    }
    const last = this.chunks[this.chunks.length - 1];
    this.chunks = this.chunks.filter((chunk) => chunk.head < chunk.ends.length || chunk === last);
    // The chunk still appended to, once emptied, starts over: its bytes were written.
    if (last !== undefined && last.head === last.ends.length) {
      last.used = 0;
      last.ends = [];
      last.head = 0;
    }
  }

  private chunkWithRoom(length: number): Chunk {
    const last = this.chunks[this.chunks.length - 1];
    if (last !== undefined && last.used + length <= last.bytes.length) return last;
    const chunk: Chunk = {
      bytes: Buffer.allocUnsafe(Math.max(chunkBytes, length)),
      used: 0,
      ends: [],
      head: 0,
    };
    this.chunks.push(chunk);
    return chunk;
  }
}

/**
 * Rows by key, in first-arrival order: a row pushed again under its key replaces the waiting one
 * (a batch the caller retries adds nothing), and one replaced while its INSERT runs stays to be written.
 */
export class KeyedRows implements RowQueue {
  private readonly rows = new Map<string, Buffer>();

  constructor(
    readonly table: string,
    readonly format: RowFormat,
  ) {}

  push(key: string, row: Buffer): void {
    this.rows.set(key, row);
  }

  size(): number {
    return this.rows.size;
  }

  take(count: number): TakenRows {
    const taken: Array<[string, Buffer]> = [];
    for (const entry of this.rows) {
      if (taken.length === count) break;
      taken.push(entry);
    }
    return {
      rows: taken.map(([, row]) => row),
      count: taken.length,
      written: () => {
        for (const [key, row] of taken) if (this.rows.get(key) === row) this.rows.delete(key);
      },
    };
  }
}
