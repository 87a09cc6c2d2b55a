/** Objects by column name, or arrays in the order of `columns`. */
export type RowFormat =
  | { format: 'JSONEachRow' }
  | { format: 'JSONCompactEachRow'; columns: readonly string[] };

/** The head of a queue, taken for one INSERT; `written()` removes it once the store has it. */
export type TakenRows = { lines: readonly string[]; written(): void };

/** Rows waiting for one table, each already encoded as one line of `format`. */
export interface RowQueue {
  readonly table: string;
  readonly format: RowFormat;
  size(): number;
  take(count: number): TakenRows;
}

/** Rows in arrival order. Writers only append, so a written head is still the head when it is removed. */
export class LineQueue implements RowQueue {
  private lines: string[] = [];

  constructor(
    readonly table: string,
    readonly format: RowFormat,
  ) {}

  push(line: string): void {
    this.lines.push(line);
  }

  size(): number {
    return this.lines.length;
  }

  take(count: number): TakenRows {
    const lines = this.lines.slice(0, count);
    return { lines, written: () => this.lines.splice(0, lines.length) };
  }
}

/**
 * Rows by key, in first-arrival order: a row pushed again under its key replaces the waiting one
 * (a batch the caller retries adds nothing), and one replaced while its INSERT runs stays to be written.
 */
export class KeyedLineQueue implements RowQueue {
  private readonly lines = new Map<string, string>();

  constructor(
    readonly table: string,
    readonly format: RowFormat,
  ) {}

  push(key: string, line: string): void {
    this.lines.set(key, line);
  }

  size(): number {
    return this.lines.size;
  }

  take(count: number): TakenRows {
    const taken: Array<[string, string]> = [];
    for (const entry of this.lines) {
      if (taken.length === count) break;
      taken.push(entry);
    }
    return {
      lines: taken.map(([, line]) => line),
      written: () => {
        for (const [key, line] of taken) if (this.lines.get(key) === line) this.lines.delete(key);
      },
    };
  }
}
