import { ColumnBytes } from './column-bytes.js';
import type { RowQueue, TakenRows } from './row-queue.js';

/** Writes one value of a column into its bytes: a String column whose text is built in place (see rows.ts's path). */
export type ValueWriter = (bytes: ColumnBytes, value: unknown) => void;

/** A column as the queue is given it: its name, and its DDL type or a String writer of its own. */
export type NativeColumnSpec = readonly [name: string, type: string | ValueWriter];

const uint16Max = 0xffff;
const uint32Max = 0xffff_ffff;

/** One column of the open block. */
interface Column {
  /** The type the block declares: a LowCardinality column's values are declared plain, and the INSERT converts them. */
  readonly type: string;
  /** Its bytes, in the order a block holds them (a Nullable's null map then its values, an Array's offsets then its items). */
  readonly streams: readonly ColumnBytes[];
  add(value: unknown): void;
  /** What a Nullable holds under a null: the type's zero. */
  addZero(): void;
}

class Values implements Column {
  private readonly bytes = new ColumnBytes();
  readonly streams: readonly ColumnBytes[] = [this.bytes];

  constructor(
    readonly type: string,
    private readonly write: ValueWriter,
    private readonly zero: unknown,
  ) {}

  add(value: unknown): void {
    this.write(this.bytes, value);
  }

  addZero(): void {
    this.write(this.bytes, this.zero);
  }
}

/** A null map (a byte per row, 1 for null), then every row's value, the zero where null. */
class Nullable implements Column {
  private readonly nulls = new ColumnBytes();
  readonly type: string;
  readonly streams: readonly ColumnBytes[];

  constructor(private readonly inner: Column) {
    this.type = `Nullable(${inner.type})`;
    this.streams = [this.nulls, ...inner.streams];
  }

  add(value: unknown): void {
    if (value === null || value === undefined) {
      this.nulls.byte(1);
      this.inner.addZero();
    } else {
      this.nulls.byte(0);
      this.inner.add(value);
    }
  }

  addZero(): void {
    this.add(null);
  }
}

/** Each row's end among the items (UInt64, counted from the block's start), then every row's items. */
class ArrayOf implements Column {
  private readonly offsets = new ColumnBytes();
  readonly type: string;
  readonly streams: readonly ColumnBytes[];

  constructor(private readonly inner: Column) {
    this.type = `Array(${inner.type})`;
    this.streams = [this.offsets, ...inner.streams];
  }

  add(value: unknown): void {
    const items = value as readonly unknown[];
    const end = this.offsets.lastInt64() + items.length;
    for (const item of items) this.inner.add(item);
    this.offsets.int64(end);
  }

  addZero(): void {
    this.offsets.int64(this.offsets.lastInt64());
  }
}

/** The column of a type as the DDL names it (a `DEFAULT` changes nothing on the wire). */
function columnOf(type: string): Column {
  const bare = type.replace(/ DEFAULT .*$/, '');
  const wrapped = /^(Nullable|Array|LowCardinality)\((.*)\)$/.exec(bare);
  if (wrapped !== null) {
    const inner = columnOf(wrapped[2]!);
    if (wrapped[1] === 'LowCardinality') return inner;
    return wrapped[1] === 'Array' ? new ArrayOf(inner) : new Nullable(inner);
  }
  if (bare === 'String') return new Values(bare, (bytes, value) => bytes.string(value as string), '');
  if (bare === 'Bool') return new Values(bare, (bytes, value) => bytes.byte(value === true ? 1 : 0), false);
  // Past the column's range a value is stored at its maximum: no real status, depth or partition is that large.
  if (bare === 'UInt16')
    return new Values(bare, (bytes, value) => bytes.uint(value as number, 2, uint16Max), 0);
  if (bare === 'UInt32')
    return new Values(bare, (bytes, value) => bytes.uint(value as number, 4, uint32Max), 0);
  if (bare === 'Float64') return new Values(bare, (bytes, value) => bytes.float64(value as number), 0);
  // Epoch milliseconds, the tick of DateTime64(3).
  if (bare.startsWith('DateTime64(3'))
    return new Values(bare, (bytes, value) => bytes.int64(value as number), 0);
  throw new Error(`no Native encoding for the column type ${type}`);
}

/**
 * A block ready for an INSERT, in pieces: its header, then each column's name, type and bytes; and the
 * column buffers its bytes are in, which go back to their columns once it is written.
 */
type Block = { pieces: Buffer[]; rows: number; buffers: Array<readonly [ColumnBytes, Buffer]> };

/**
 * Rows waiting for one table as ClickHouse Native blocks: each column's values side by side, which
 * chDB reads in about half the time RowBinary's row-by-row values take (51k hops in one insert:
 * 130–250 against 250–370 ms; a raw copy inside the engine 130–165). Rows are written into the open
 * block's columns as they come (bytes, no object per waiting row); a block is closed at `blockRows`
 * or when an INSERT takes it, keeping its columns' bytes where they were written (see
 * ColumnBytes.detach: the buffers go back to the columns once the block is written), and an INSERT's
 * body is whole blocks, one after another.
 */
export class NativeBlocks implements RowQueue {
  readonly format: { format: 'Native'; columns: readonly string[] };
  private readonly columns: Column[];
  /** Each column's name and declared type, as a block's header repeats them. */
  private readonly headers: Buffer[];
  /** Every column's streams, and their lengths where the row being written started. */
  private readonly streams: ColumnBytes[];
  private readonly rowStarts: Float64Array;
  private openRows = 0;
  private readonly closed: Block[] = [];
  private closedRows = 0;

  constructor(
    readonly table: string,
    specs: readonly NativeColumnSpec[],
    private readonly blockRows = 2_048,
  ) {
    this.format = { format: 'Native', columns: specs.map(([name]) => name) };
    this.columns = specs.map(([, type]) =>
      typeof type === 'string' ? columnOf(type) : new Values('String', type, ''),
    );
    this.headers = specs.map(([name], index) => {
      const header = new ColumnBytes(64);
      header.string(name);
      header.string(this.columns[index]!.type);
      return Buffer.from(header.written());
    });
    this.streams = this.columns.flatMap((column) => column.streams);
    this.rowStarts = new Float64Array(this.streams.length);
  }

  /**
   * One row, its values in column order. A value its column cannot take (a bug upstream: rows are
   * schema-checked hops) throws, and what the row wrote is taken back: a column one value longer than
   * the others would make every later row of the block unreadable.
   */
  push(values: readonly unknown[]): void {
    const { columns, streams, rowStarts } = this;
    for (let index = 0; index < streams.length; index++) rowStarts[index] = streams[index]!.length;
    try {
      for (let index = 0; index < columns.length; index++) columns[index]!.add(values[index]);
    } catch (error) {
      for (let index = 0; index < streams.length; index++) streams[index]!.truncate(rowStarts[index]!);
      throw error;
    }
    if (++this.openRows === this.blockRows) this.closeBlock();
  }

  size(): number {
    return this.closedRows + this.openRows;
  }

  /** Whole blocks from the head, at least one, about `count` rows: the open one is closed if they fall short. */
  take(count: number): TakenRows {
    if (this.closedRows < count && this.openRows > 0) this.closeBlock();
    const taken: Block[] = [];
    let rows = 0;
    for (const block of this.closed) {
      if (rows >= count) break;
      taken.push(block);
      rows += block.rows;
    }
    return {
      rows: taken.flatMap((block) => block.pieces),
      count: rows,
      // Blocks are only appended, so the blocks taken are still the head once written (as in OrderedRows).
      written: () => {
        this.closed.splice(0, taken.length);
        this.closedRows -= rows;
        for (const block of taken) for (const [stream, buffer] of block.buffers) stream.recycle(buffer);
      },
    };
  }

  private closeBlock(): void {
    const start = new ColumnBytes(16);
    start.varUInt(this.columns.length);
    start.varUInt(this.openRows);
    const block: Block = { pieces: [start.written()], rows: this.openRows, buffers: [] };
    this.columns.forEach((column, index) => {
      block.pieces.push(this.headers[index]!);
      for (const stream of column.streams) {
        const { written, buffer } = stream.detach();
        block.pieces.push(written);
        if (buffer !== undefined) block.buffers.push([stream, buffer]);
      }
    });
    this.closed.push(block);
    this.closedRows += this.openRows;
    this.openRows = 0;
  }
}
