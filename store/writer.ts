import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type { ClickHouseClient } from '@clickhouse/client';
import { backoffDelayMs } from '../common/backoff.js';
import { describeError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { SerialQueue } from '../common/serial.js';
import type { StoreConfig } from './config.js';
import type { StoreConnection } from './connection.js';
import { isTransient } from './errors.js';
import { deadLetterRow, hopInsertColumns, hopRow, incidentRow } from './rows.js';
import type { StoreTables } from './tables.js';
import { type StoreBatch, StoreUnavailableError, type StoreWriter } from './types.js';

/** Objects by column name, or arrays in the order of `columns`. */
export type RowFormat =
  | { format: 'JSONEachRow' }
  | { format: 'JSONCompactEachRow'; columns: readonly string[] };

/**
 * Where a batch of rows goes: one INSERT into `table` of `lines`, each row already encoded as one
 * JSON text line of `format`. Injected so a test can route it through a store it stops and restarts.
 */
export type InsertTarget = (table: string, lines: readonly string[], format: RowFormat) => Promise<void>;

// Spelled out although they are the defaults, so that a server profile with other defaults reads rows the same way.
const insertSettings = {
  // Evidence is an object in the Finding and a String column: keep its JSON text.
  input_format_json_read_objects_as_strings: 1,
  // Rows are the schema objects as they are; a field without a column (e.g. a future optional one) is not an error.
  input_format_skip_unknown_fields: 1,
} as const;

const payload = (lines: readonly string[]): Buffer => Buffer.from(`${lines.join('\n')}\n`);

/** Inserts through the embedded engine's raw insert when there is one, else through the client. */
export function clickhouseInsert({
  client,
  rawInsert,
}: Pick<StoreConnection, 'client' | 'rawInsert'>): InsertTarget {
  if (rawInsert !== undefined) {
    return async (table, lines, format) => {
      await rawInsert({
        table,
        values: payload(lines),
        format: format.format,
        ...(format.format === 'JSONCompactEachRow' ? { columns: format.columns } : {}),
        settings: insertSettings,
      });
    };
  }
  return clientInsert(client);
}

/** The encoded lines as the body of an INSERT statement: the client sends them as they are. */
function clientInsert(client: ClickHouseClient): InsertTarget {
  return async (table, lines, format) => {
    const columns = format.format === 'JSONCompactEachRow' ? ` (${format.columns.join(', ')})` : '';
    const { stream } = await client.exec({
      query: `INSERT INTO ${table}${columns} FORMAT ${format.format}`,
      values: Readable.from([payload(lines)]),
      clickhouse_settings: insertSettings,
    });
    // An INSERT answers with an empty body; it is read so that the connection goes back to the pool.
    for await (const _ of stream);
  };
}

export type WriterSettings = Pick<
  StoreConfig,
  | 'batchMaxRows'
  | 'batchMaxDelayMs'
  | 'bufferMaxRows'
  | 'retryMaxAttempts'
  | 'retryBaseDelayMs'
  | 'retryMaxDelayMs'
  | 'deadLetterMaxBytes'
  | 'hopsTtlDays'
>;

const dayMs = 86_400_000;

/** Rows wait encoded: one string each (cheaper to hold than the objects), encoded as they come. */
type TableQueue = { table: string; rows: string[]; format: RowFormat };

const objects: RowFormat = { format: 'JSONEachRow' };

/**
 * Buffers rows per table and writes them in batches of at most `batchMaxRows`, when a table's
 * buffer reaches that size or `batchMaxDelayMs` after the first row waits. Memory is bounded:
 * `write()` waits for a flush once `bufferMaxRows` rows are held, and rejects with
 * StoreUnavailableError when that flush fails, leaving the batch with the caller. Rows are removed
 * only once written: a failed batch stays buffered and is retried in the background with capped
 * exponential backoff until it is written, so an unavailable store delays rows but never drops them.
 * Delivery is at least once: findings and hops deduplicate by id in the store.
 */
export class BufferedStoreWriter implements StoreWriter {
  private readonly queues: {
    findings: TableQueue;
    incidents: TableQueue;
    hops: TableQueue;
    deadLetters: TableQueue;
  };
  private buffered = 0;
  private pastRetention = 0;
  private reachable = true;
  private failedDrains = 0;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private next: Promise<void> | null = null;
  /** Findings (and their incidents) have their own drain: never queued behind hop batches, written the moment they come. */
  private readonly findingsDrain = new SerialQueue();
  private findingsNext: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly insert: InsertTarget,
    tables: StoreTables,
    private readonly settings: WriterSettings,
    private readonly logger: Logger,
  ) {
    this.queues = {
      findings: { table: tables.findings, rows: [], format: objects },
      incidents: { table: tables.incidents, rows: [], format: objects },
      hops: {
        table: tables.hops,
        rows: [],
        format: { format: 'JSONCompactEachRow', columns: hopInsertColumns },
      },
      deadLetters: { table: tables.deadLetters, rows: [], format: objects },
    };
  }

  async write(batch: StoreBatch): Promise<void> {
    if (this.closed) throw new Error('the store writer is closed');
    while (this.buffered >= this.settings.bufferMaxRows) await this.flush();
    this.enqueue(batch);
    const { findings, incidents, hops, deadLetters } = this.queues;
    if (findings.rows.length + incidents.rows.length > 0) this.flushFindingsInBackground();
    const full = Math.max(hops.rows.length, deadLetters.rows.length);
    if (full >= this.settings.batchMaxRows) this.flushInBackground();
    else if (hops.rows.length + deadLetters.rows.length > 0) this.schedule(this.settings.batchMaxDelayMs);
  }

  /** Writes everything buffered: the findings' drain and the hops' and dead letters'. */
  async flush(): Promise<void> {
    const [findings, rest] = await Promise.allSettled([this.flushFindings(), this.flushRest()]);
    if (findings.status === 'rejected') throw findings.reason;
    if (rest.status === 'rejected') throw rest.reason;
  }

  /** At most one drain of hops and dead letters runs; callers arriving meanwhile share the one that follows it. */
  private flushRest(): Promise<void> {
    if (this.inFlight === null) return this.startDrain();
    this.next ??= this.inFlight
      .catch(() => undefined)
      .then(() => {
        this.next = null;
        return this.startDrain();
      });
    return this.next;
  }

  pending(): number {
    return this.buffered;
  }

  hopsPastRetention(): number {
    return this.pastRetention;
  }

  available(): boolean {
    return this.reachable;
  }

  /** Stops the timer and writes what is buffered; rejects (rows still counted in `pending()`) if the store is unavailable. */
  async close(): Promise<void> {
    this.closed = true;
    this.clearTimer();
    await this.flush();
  }

  private enqueue(batch: StoreBatch): void {
    const { findings, incidents, hops, deadLetters } = this.queues;
    for (const finding of batch.findings ?? []) findings.rows.push(JSON.stringify(finding));
    for (const incident of batch.incidents ?? []) incidents.rows.push(JSON.stringify(incidentRow(incident)));
    // ClickHouse would drop these on arrival (the TTL counts from event time): they are counted instead.
    const keptFrom = Date.now() - this.settings.hopsTtlDays * dayMs;
    for (const hop of batch.hops ?? []) {
      if (hop.ts >= keptFrom) hops.rows.push(JSON.stringify(hopRow(hop)));
      else this.pastRetention++;
    }
    for (const letter of batch.deadLetters ?? []) {
      deadLetters.rows.push(JSON.stringify(deadLetterRow(letter, this.settings.deadLetterMaxBytes)));
    }
    this.buffered = findings.rows.length + incidents.rows.length + hops.rows.length + deadLetters.rows.length;
  }

  private startDrain(): Promise<void> {
    const run: Promise<void> = this.drain().finally(() => {
      if (this.inFlight === run) this.inFlight = null;
    });
    this.inFlight = run;
    return run;
  }

  /** One findings drain at a time; a caller arriving while one waits to start joins it. */
  private flushFindings(): Promise<void> {
    this.findingsNext ??= this.findingsDrain.run(async () => {
      this.findingsNext = null;
      await this.drainQueue(this.queues.findings);
      // After the findings: an incident never points at a finding that is not stored.
      await this.drainQueue(this.queues.incidents);
    });
    return this.findingsNext;
  }

  private flushFindingsInBackground(): void {
    this.flushFindings().catch((error: unknown) => {
      this.logger.warn(
        { reason: describeError(error), pending: this.buffered },
        'findings write failed; retrying',
      );
      // The writer's one retry timer (not one per failed write): its flush writes the findings too.
      if (!this.closed) this.schedule(this.retryDelay(1));
    });
  }

  private async drainQueue(queue: TableQueue): Promise<void> {
    while (queue.rows.length > 0) {
      const batch = queue.rows.slice(0, this.settings.batchMaxRows);
      await this.insertWithRetry(queue, batch);
      // Writers only append, so the written batch is still the head of the queue.
      queue.rows.splice(0, batch.length);
      this.buffered -= batch.length;
    }
  }

  private async drain(): Promise<void> {
    this.clearTimer();
    try {
      await this.drainQueue(this.queues.hops);
      await this.drainQueue(this.queues.deadLetters);
      this.failedDrains = 0;
    } catch (error) {
      this.failedDrains += 1;
      if (!this.closed) this.schedule(this.retryDelay(this.failedDrains));
      throw error;
    }
    if (this.buffered > 0 && !this.closed) this.schedule(this.settings.batchMaxDelayMs);
  }

  private async insertWithRetry({ table, format }: TableQueue, rows: string[]): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.insert(table, rows, format);
        if (!this.reachable) this.logger.info({ table, pending: this.buffered }, 'store reachable again');
        this.reachable = true;
        return;
      } catch (error) {
        if (this.reachable) this.logger.warn({ table, reason: describeError(error) }, 'store write failed');
        this.reachable = false;
        if (!isTransient(error) || attempt >= this.settings.retryMaxAttempts) {
          throw new StoreUnavailableError(
            `could not write ${rows.length} rows to ${table} after ${attempt} attempt(s): ${describeError(error)}; ` +
              `${this.buffered} rows stay buffered`,
            { cause: error },
          );
        }
        await delay(this.retryDelay(attempt));
      }
    }
  }

  /** Exponential from retryBaseDelayMs, capped, with up to 25 % jitter so that instances do not retry in step. */
  private retryDelay(attempt: number): number {
    const { retryBaseDelayMs: baseMs, retryMaxDelayMs: maxMs } = this.settings;
    return backoffDelayMs(attempt, { baseMs, maxMs, jitter: 0.25 });
  }

  private flushInBackground(): void {
    this.flush().catch((error: unknown) => {
      this.logger.warn(
        { reason: describeError(error), pending: this.buffered },
        'store flush failed; retrying',
      );
    });
  }

  private schedule(ms: number): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushInBackground();
    }, ms);
    // The writer never keeps a process alive on its own; shutdown goes through close().
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer === null) return;
    clearTimeout(this.timer);
    this.timer = null;
  }
}
