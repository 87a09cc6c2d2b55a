import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type { ClickHouseClient } from '@clickhouse/client';
import { backoffDelayMs } from '../common/backoff.js';
import { describeError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { CoalescedRuns } from '../common/serial.js';
import type { ResolvedHop } from '../schemas/resolved-hop.js';
import type { StoreConfig } from './config.js';
import type { HopFormat, StoreConnection } from './connection.js';
import { isTransient } from './errors.js';
import { NativeBlocks } from './native-blocks.js';
import { KeyedRows, OrderedRows, type RowFormat, type RowQueue, type TakenRows } from './row-queue.js';
import {
  deadLetterRow,
  hopInsertColumns,
  hopJsonRow,
  hopNativeColumns,
  hopRow,
  incidentRow,
} from './rows.js';
import type { StoreTables } from './tables.js';
import { type StoreBatch, StoreUnavailableError, type StoreWriter } from './types.js';

/**
 * Where a batch of rows goes: one INSERT into `table` of `rows`, each already encoded in `format`.
 * Injected so a test can route it through a store it stops and restarts.
 */
export type InsertTarget = (table: string, rows: readonly Buffer[], format: RowFormat) => Promise<void>;

// The input settings are spelled out although they are the defaults, so that a server profile with other
// defaults reads rows the same way.
export const insertSettings = {
  // Evidence is an object in the Finding and a String column: keep its JSON text.
  input_format_json_read_objects_as_strings: 1,
  // Rows are the schema objects as they are; a field without a column (e.g. a future optional one) is not an error.
  input_format_skip_unknown_fields: 1,
  // Not the default: an INSERT is not deduplicated by key on its way in. Every read deduplicates
  // already (FINAL, uniqExact), as it must for a replay's copies in another insert, and merges fold
  // copies away later. Without that pass the embedded store took hops 10–40 % faster.
  optimize_on_insert: 0,
} as const;

/** Inserts through the embedded engine's raw insert when there is one, else through the client. */
export function clickhouseInsert({
  client,
  rawInsert,
}: Pick<StoreConnection, 'client' | 'rawInsert'>): InsertTarget {
  if (rawInsert !== undefined) {
    return async (table, rows, format) => {
      await rawInsert({
        table,
        values: rows,
        format: format.format,
        ...(format.format === 'JSONEachRow' ? {} : { columns: format.columns }),
        settings: insertSettings,
      });
    };
  }
  return clientInsert(client);
}

/** The encoded rows as the body of an INSERT statement: the client sends them as they are. */
function clientInsert(client: ClickHouseClient): InsertTarget {
  return async (table, rows, format) => {
    const columns = format.format === 'JSONEachRow' ? '' : ` (${format.columns.join(', ')})`;
    const { stream } = await client.exec({
      query: `INSERT INTO ${table}${columns} FORMAT ${format.format}`,
      values: Readable.from(rows),
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

const objects: RowFormat = { format: 'JSONEachRow' };
const jsonLine = (value: unknown): string => `${JSON.stringify(value)}\n`;
const jsonRow = (value: unknown): Buffer => Buffer.from(jsonLine(value));

/**
 * Buffers rows per table, encoded as they come (bytes per row, cheaper to hold than the objects, and
 * the next batch is encoded while the one before it is inserted), and writes them in
 * batches of `batchMaxRows`, larger while the store is behind (see batchRows).
 *
 * Two lanes, each holding at most `bufferMaxRows`: findings and their incidents are written the moment
 * they come and never wait for room behind hops; hops and dead letters are written when a table's
 * buffer reaches `batchMaxRows` or `batchMaxDelayMs` after the first row waits. `write()` waits for a
 * flush once a lane it adds to is full, and rejects with StoreUnavailableError when that flush fails:
 * hops and dead letters then stay with the caller; findings and incidents it may already have taken
 * are kept by id, so the caller's retry of the batch adds nothing twice. Rows are removed only once
 * written: a failed batch stays buffered and is retried in the background with capped exponential
 * backoff until it is written, so an unavailable store delays rows but never drops them.
 * Delivery is at least once: findings and hops deduplicate by id in the store.
 */
export class BufferedStoreWriter implements StoreWriter {
  private readonly findings: KeyedRows;
  private readonly incidents: KeyedRows;
  private readonly hops: RowQueue;
  private readonly deadLetters: OrderedRows;
  private readonly pushHop: (hop: ResolvedHop) => void;
  private pastRetention = 0;
  private reachable = true;
  private failedDrains = 0;
  private timer: NodeJS.Timeout | null = null;
  /** One drain of hops and dead letters at a time; callers arriving meanwhile share the one that follows it. */
  private readonly rowsDrain = new CoalescedRuns(() => this.drain());
  /** The same for findings, then their incidents: an incident never points at a finding that is not stored. */
  private readonly verdictsDrain = new CoalescedRuns(async () => {
    await this.drainQueue(this.findings);
    await this.drainQueue(this.incidents);
  });
  private closed = false;
  private readonly roomWaiters: Array<() => void> = [];

  constructor(
    private readonly insert: InsertTarget,
    tables: StoreTables,
    private readonly settings: WriterSettings,
    private readonly logger: Logger,
    hopFormat: HopFormat = 'JSONCompactEachRow',
  ) {
    this.findings = new KeyedRows(tables.findings, objects);
    this.incidents = new KeyedRows(tables.incidents, objects);
    this.deadLetters = new OrderedRows(tables.deadLetters, objects);
    if (hopFormat === 'Native') {
      const blocks = new NativeBlocks(tables.hops, hopNativeColumns);
      this.hops = blocks;
      this.pushHop = (hop) => blocks.push(hopRow(hop));
    } else {
      const lines = new OrderedRows(tables.hops, { format: hopFormat, columns: hopInsertColumns });
      this.hops = lines;
      this.pushHop = (hop) => lines.push(jsonLine(hopJsonRow(hop)));
    }
  }

  async write(batch: StoreBatch): Promise<void> {
    if (this.closed) throw new Error('the store writer is closed');
    const { bufferMaxRows } = this.settings;
    const verdicts = (batch.findings?.length ?? 0) + (batch.incidents?.length ?? 0);
    if (verdicts > 0) {
      while (this.verdictsHeld() >= bufferMaxRows) await this.verdictsDrain.run();
      this.enqueueVerdicts(batch);
      this.flushFindingsInBackground();
    }
    if ((batch.hops?.length ?? 0) + (batch.deadLetters?.length ?? 0) === 0) return;
    while (this.rowsHeld() >= bufferMaxRows) await this.roomForRows();
    this.enqueueRows(batch);
    if (Math.max(this.hops.size(), this.deadLetters.size()) >= this.settings.batchMaxRows)
      this.flushInBackground();
    else if (this.rowsHeld() > 0) this.schedule(this.settings.batchMaxDelayMs);
  }

  /** Writes everything buffered: the findings' drain and the hops' and dead letters'. */
  async flush(): Promise<void> {
    const [verdicts, rows] = await Promise.allSettled([this.verdictsDrain.run(), this.rowsDrain.run()]);
    if (verdicts.status === 'rejected') throw verdicts.reason;
    if (rows.status === 'rejected') throw rows.reason;
  }

  flushVerdicts(): Promise<void> {
    return this.verdictsDrain.run();
  }

  pending(): number {
    return this.verdictsHeld() + this.rowsHeld();
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

  private verdictsHeld(): number {
    return this.findings.size() + this.incidents.size();
  }

  private rowsHeld(): number {
    return this.hops.size() + this.deadLetters.size();
  }

  private enqueueVerdicts(batch: StoreBatch): void {
    for (const finding of batch.findings ?? []) this.findings.push(finding.id, jsonRow(finding));
    for (const incident of batch.incidents ?? []) {
      this.incidents.push(`${incident.id}#${incident.version}`, jsonRow(incidentRow(incident)));
    }
  }

  private enqueueRows(batch: StoreBatch): void {
    // ClickHouse would drop these on arrival (the TTL counts from event time): they are counted instead.
    const keptFrom = Date.now() - this.settings.hopsTtlDays * dayMs;
    for (const hop of batch.hops ?? []) {
      if (hop.ts < keptFrom) this.pastRetention++;
      else this.pushHop(hop);
    }
    for (const letter of batch.deadLetters ?? []) {
      this.deadLetters.push(jsonLine(deadLetterRow(letter, this.settings.deadLetterMaxBytes)));
    }
  }

  private flushFindingsInBackground(): void {
    this.verdictsDrain.run().catch((error: unknown) => {
      this.logger.warn(
        { reason: describeError(error), pending: this.pending() },
        'findings write failed; retrying',
      );
      // The writer's one retry timer (not one per failed write): its flush writes the findings too.
      if (!this.closed) this.schedule(this.retryDelay(1));
    });
  }

  /**
   * Writes the rows `queue` holds now (not those added meanwhile, so that one busy table does not
   * hold back the other), a batch at a time.
   */
  private async drainQueue(queue: RowQueue, onBatchWritten?: () => void): Promise<void> {
    for (let left = queue.size(); left > 0 && queue.size() > 0; ) {
      const taken = queue.take(this.batchRows(queue));
      await this.insertWithRetry(queue, taken);
      taken.written();
      left -= taken.count;
      onBatchWritten?.();
    }
  }

  /**
   * `batchMaxRows`, or while more rows wait than that (the store is behind: a backlog, a burst) as
   * many as wait, up to half the buffer. Each INSERT makes a part whatever its size, so a backlog goes
   * in faster in fewer, larger ones (51k hops through the writer into chDB, alternating runs: 2,000-row
   * inserts 60–83k rows/s against 78–89k for up to 8,000; in a slower hour up to 8,000 54–80k against
   * 63–89k for up to 10,000, this rule's default); a finding waits behind one of them at most.
   */
  private batchRows(queue: RowQueue): number {
    const { batchMaxRows, bufferMaxRows } = this.settings;
    return Math.max(batchMaxRows, Math.min(queue.size(), Math.floor(bufferMaxRows / 2)));
  }

  /**
   * Settles once a batch of hops or dead letters is written, or the drain fails: a writer waiting for
   * room goes on encoding while the rest of the buffer is inserted, instead of waiting for all of it.
   */
  private roomForRows(): Promise<void> {
    const written = new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    return Promise.race([this.rowsDrain.run(), written]);
  }

  private readonly madeRoom = (): void => {
    for (const resolve of this.roomWaiters.splice(0)) resolve();
  };

  private async drain(): Promise<void> {
    this.clearTimer();
    try {
      await this.drainQueue(this.hops, this.madeRoom);
      await this.drainQueue(this.deadLetters, this.madeRoom);
      this.failedDrains = 0;
    } catch (error) {
      this.failedDrains += 1;
      if (!this.closed) this.schedule(this.retryDelay(this.failedDrains));
      throw error;
    }
    if (this.pending() > 0 && !this.closed) this.schedule(this.settings.batchMaxDelayMs);
  }

  private async insertWithRetry({ table, format }: RowQueue, { rows, count }: TakenRows): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.insert(table, rows, format);
        if (!this.reachable) this.logger.info({ table, pending: this.pending() }, 'store reachable again');
        this.reachable = true;
        return;
      } catch (error) {
        if (this.reachable) this.logger.warn({ table, reason: describeError(error) }, 'store write failed');
        this.reachable = false;
        if (!isTransient(error) || attempt >= this.settings.retryMaxAttempts) {
          throw new StoreUnavailableError(
            `could not write ${count} rows to ${table} after ${attempt} attempt(s): ${describeError(error)}; ` +
              `${this.pending()} rows stay buffered`,
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
        { reason: describeError(error), pending: this.pending() },
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
