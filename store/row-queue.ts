/** JSON objects by column name, JSON arrays in the order of `columns`, or RowBinary in that order. */
export type RowFormat =
  | { format: 'JSONEachRow' }
  | { format: 'JSONCompactEachRow' | 'RowBinary'; columns: readonly string[] };

/** The head of a queue, taken for one INSERT; `written()` removes it once the store has it. */
export type TakenRows = { rows: readonly Buffer[]; written(): void };

/** Rows waiting for one table, each already encoded in `format` (a JSON row with its newline): an INSERT's body is their concatenation. */
export interface RowQueue {
  readonly table: string;
  readonly format: RowFormat;
  size(): number;
  take(count: number): TakenRows;
}

/** Rows in arrival order. Writers only append, so a written head is still the head when it is removed. */
export class OrderedRows implements RowQueue {
  private rows: Buffer[] = [];

  constructor(
    readonly table: string,
    readonly format: RowFormat,
  ) {}

  push(row: Buffer): void {
    this.rows.push(row);
  }

  size(): number {
    return this.rows.length;
  }

  take(count: number): TakenRows {
    const rows = this.rows.slice(0, count);
    return { rows, written: () => this.rows.splice(0, rows.length) };
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
      written: () => {
        for (const [key, row] of taken) if (this.rows.get(key) === row) this.rows.delete(key);
      },
    };
  }
}
