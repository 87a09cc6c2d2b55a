import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { OutboxConfig } from './config.js';
import {
  type AlertDeliveryFilter,
  type AlertDeliveryPage,
  alertDeliverySchema,
  type DeliveryCounts,
} from './delivery.js';
import { DeliveryIndex, type DeliveryUpdate, publicView, type StoredDelivery } from './delivery-index.js';
import { lockOutbox } from './outbox-lock.js';
import { OutboxLog, readOutboxLines } from './outbox-log.js';

export const OUTBOX_FILE = 'outbox.jsonl';

const putLineSchema = z.object({
  op: z.literal('put'),
  seq: z.number().int().positive(),
  delivery: alertDeliverySchema,
  body: z.string().optional(),
});
const updateLineSchema = alertDeliverySchema
  .pick({
    id: true,
    state: true,
    attempts: true,
    nextAttemptAt: true,
    lastStatus: true,
    lastError: true,
    updatedAt: true,
  })
  .extend({ op: z.literal('update') });
const outboxLineSchema = z.discriminatedUnion('op', [putLineSchema, updateLineSchema]);

export type NewDelivery = {
  id: string;
  webhook: string;
  body: string;
  findingId?: string;
  incidentId?: string;
};
export type DeliveryChange = Omit<DeliveryUpdate, 'updatedAt'>;

export type OutboxOptions = { directory: string; config: OutboxConfig; now: () => number; logger: Logger };
export type OpenedOutbox = { ok: true; outbox: AlertOutbox } | { ok: false; reason: string };

/**
 * The durable record of alert deliveries: `<directory>/outbox.jsonl`, one JSON object per line (a `put`
 * when a delivery is created, an `update` after each attempt), replayed into memory at start-up and then
 * compacted. Delivered and failed deliveries are forgotten `retainMs` after their last update; until then
 * the same (finding, webhook) is never delivered twice, across restarts too.
 */
export class AlertOutbox {
  readonly #index: DeliveryIndex;
  readonly #log: OutboxLog;
  readonly #now: () => number;
  readonly #releaseLock: () => Promise<void>;

  private constructor(
    index: DeliveryIndex,
    log: OutboxLog,
    now: () => number,
    releaseLock: () => Promise<void>,
  ) {
    this.#index = index;
    this.#log = log;
    this.#now = now;
    this.#releaseLock = releaseLock;
  }

  static async open(options: OutboxOptions): Promise<OpenedOutbox> {
    const path = join(options.directory, OUTBOX_FILE);
    let releaseLock: (() => Promise<void>) | undefined;
    try {
      await mkdir(options.directory, { recursive: true });
      const lock = await lockOutbox(options.directory);
      if (!lock.ok) return lock;
      releaseLock = lock.release;
      const index = new DeliveryIndex();
      let unreadable = 0;
      for await (const line of readOutboxLines(path)) if (!applyLine(index, line)) unreadable++;
      if (unreadable > 0) {
        options.logger.warn(
          { unreadable },
          'alerts outbox: skipped unreadable lines (a torn last line after a crash)',
        );
      }
      const { now } = options;
      const log = await OutboxLog.open({
        path,
        compactAfterBytes: options.config.compactAfterBytes,
        snapshot: () => snapshotLines(index, now() - options.config.retainMs),
      });
      await log.rewrite();
      return { ok: true, outbox: new AlertOutbox(index, log, now, releaseLock) };
    } catch (error) {
      await releaseLock?.();
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      return { ok: false, reason: `alerts outbox ${path}: ${code}` };
    }
  }

  get(id: string): StoredDelivery | undefined {
    return this.#index.get(id);
  }

  pending(): StoredDelivery[] {
    return this.#index.pending();
  }

  /**
   * Creates the deliveries not already known and resolves once they are on disk; returns the new ones.
   * A delivery being created by a concurrent call counts as known only once that call made it durable.
   */
  async add(deliveries: readonly NewDelivery[]): Promise<StoredDelivery[]> {
    for (;;) {
      const now = this.#now();
      const added: StoredDelivery[] = [];
      for (const delivery of deliveries) {
        if (this.#index.get(delivery.id) !== undefined) continue;
        const stored: StoredDelivery = {
          ...delivery,
          seq: this.#index.takeSeq(),
          state: 'pending',
          attempts: 0,
          nextAttemptAt: now,
          createdAt: now,
          updatedAt: now,
        };
        this.#index.insert(stored);
        added.push(stored);
      }
      try {
        // Also a barrier when nothing is new: it resolves after the lines of concurrent calls are written.
        await this.#log.append(added.map(putLine));
      } catch (error) {
        for (const stored of added) this.#index.remove(stored.id);
        throw error;
      }
      // A concurrent call that created some of these failed and rolled back: create them here.
      if (deliveries.every((delivery) => this.#index.get(delivery.id) !== undefined)) return added;
    }
  }

  /** Records an attempt's result; resolves once it is on disk. */
  async update(delivery: StoredDelivery, change: DeliveryChange): Promise<void> {
    this.#index.apply(delivery, { ...change, updatedAt: this.#now() });
    await this.#log.append([updateLine(delivery)]);
  }

  list(filter: AlertDeliveryFilter): AlertDeliveryPage {
    return this.#index.list(filter);
  }

  counts(): { totals: DeliveryCounts; byWebhook: Record<string, DeliveryCounts> } {
    return this.#index.counts();
  }

  async close(): Promise<void> {
    try {
      await this.#log.close();
    } finally {
      await this.#releaseLock();
    }
  }
}

function* snapshotLines(index: DeliveryIndex, forgetBefore: number): Generator<string> {
  index.forgetSettledBefore(forgetBefore);
  for (const delivery of index.snapshot()) yield putLine(delivery);
}

function putLine(delivery: StoredDelivery): string {
  return JSON.stringify({
    op: 'put',
    seq: delivery.seq,
    delivery: publicView(delivery),
    body: delivery.body,
  });
}

function updateLine(delivery: StoredDelivery): string {
  return JSON.stringify({
    op: 'update',
    id: delivery.id,
    state: delivery.state,
    attempts: delivery.attempts,
    nextAttemptAt: delivery.nextAttemptAt,
    lastStatus: delivery.lastStatus,
    lastError: delivery.lastError,
    updatedAt: delivery.updatedAt,
  });
}

function applyLine(index: DeliveryIndex, text: string): boolean {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return false;
  }
  const parsed = outboxLineSchema.safeParse(json);
  if (!parsed.success) return false;
  const line = parsed.data;
  if (line.op === 'update') {
    const delivery = index.get(line.id);
    if (delivery !== undefined) index.apply(delivery, line);
    return true;
  }
  if (line.delivery.state === 'pending' && line.body === undefined) return false;
  if (index.get(line.delivery.id) === undefined)
    index.insert({ ...line.delivery, seq: line.seq, body: line.body });
  return true;
}
