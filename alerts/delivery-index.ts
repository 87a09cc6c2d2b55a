import type {
  AlertDelivery,
  AlertDeliveryFilter,
  AlertDeliveryPage,
  DeliveryCounts,
  DeliveryState,
} from './delivery.js';

/** A delivery as the outbox keeps it: `seq` orders deliveries; the body is kept only while pending. */
export type StoredDelivery = AlertDelivery & { seq: number; body: string | undefined };

export type DeliveryUpdate = Pick<
  AlertDelivery,
  'state' | 'attempts' | 'nextAttemptAt' | 'lastStatus' | 'lastError' | 'updatedAt'
>;

const emptyCounts = (): DeliveryCounts => ({ pending: 0, delivered: 0, failed: 0 });

/**
 * The in-memory view of the outbox: every delivery by id (the dedup index), in enqueue order for
 * listing, with counts per state kept up to date for metrics.
 */
export class DeliveryIndex {
  #byId = new Map<string, StoredDelivery>();
  #ordered: StoredDelivery[] = [];
  #countsByWebhook = new Map<string, DeliveryCounts>();
  #nextSeq = 1;

  get size(): number {
    return this.#byId.size;
  }

  get(id: string): StoredDelivery | undefined {
    return this.#byId.get(id);
  }

  takeSeq(): number {
    return this.#nextSeq++;
  }

  /** Deliveries in enqueue order; a copy, safe to iterate across awaits. */
  snapshot(): StoredDelivery[] {
    return this.#ordered.slice();
  }

  /** Deliveries arrive in seq order: from the file in order, and fresh ones with `takeSeq()`. */
  insert(delivery: StoredDelivery): void {
    this.#byId.set(delivery.id, delivery);
    const last = this.#ordered[this.#ordered.length - 1];
    if (last === undefined || last.seq < delivery.seq) this.#ordered.push(delivery);
    else this.#ordered.splice(this.#firstIndexAtOrAfter(delivery.seq), 0, delivery);
    this.#nextSeq = Math.max(this.#nextSeq, delivery.seq + 1);
    this.#countsOf(delivery.webhook)[delivery.state]++;
  }

  remove(id: string): void {
    const delivery = this.#byId.get(id);
    if (delivery === undefined) return;
    this.#byId.delete(id);
    const index = this.#firstIndexAtOrAfter(delivery.seq);
    if (this.#ordered[index] === delivery) this.#ordered.splice(index, 1);
    this.#countsOf(delivery.webhook)[delivery.state]--;
  }

  apply(delivery: StoredDelivery, update: DeliveryUpdate): void {
    this.#move(delivery.webhook, delivery.state, update.state);
    delivery.state = update.state;
    delivery.attempts = update.attempts;
    delivery.nextAttemptAt = update.nextAttemptAt;
    delivery.lastStatus = update.lastStatus;
    delivery.lastError = update.lastError;
    delivery.updatedAt = update.updatedAt;
    if (update.state !== 'pending') delivery.body = undefined;
  }

  /** Forgets delivered and failed deliveries last updated before `before`; returns how many. */
  forgetSettledBefore(before: number): number {
    const kept = this.#ordered.filter(
      (delivery) => delivery.state === 'pending' || delivery.updatedAt >= before,
    );
    const forgotten = this.#ordered.length - kept.length;
    if (forgotten === 0) return 0;
    for (const delivery of this.#ordered) {
      if (delivery.state !== 'pending' && delivery.updatedAt < before) {
        this.#byId.delete(delivery.id);
        this.#countsOf(delivery.webhook)[delivery.state]--;
      }
    }
    this.#ordered = kept;
    return forgotten;
  }

  pending(): StoredDelivery[] {
    return this.#ordered.filter((delivery) => delivery.state === 'pending');
  }

  /** Newest first; the cursor is the seq of the last delivery of the previous page. */
  list(filter: AlertDeliveryFilter): AlertDeliveryPage {
    const deliveries: AlertDelivery[] = [];
    let index =
      (filter.cursor === undefined
        ? this.#ordered.length
        : this.#firstIndexAtOrAfter(Number(filter.cursor))) - 1;
    let lastSeq = 0;
    for (; index >= 0 && deliveries.length < filter.limit; index--) {
      const delivery = this.#ordered[index]!;
      if (filter.state !== undefined && delivery.state !== filter.state) continue;
      if (filter.webhook !== undefined && delivery.webhook !== filter.webhook) continue;
      if (filter.findingId !== undefined && delivery.findingId !== filter.findingId) continue;
      if (filter.incidentId !== undefined && delivery.incidentId !== filter.incidentId) continue;
      deliveries.push(publicView(delivery));
      lastSeq = delivery.seq;
    }
    const more = index >= 0 && deliveries.length === filter.limit;
    return { items: deliveries, nextCursor: more ? String(lastSeq) : null };
  }

  counts(): { totals: DeliveryCounts; byWebhook: Record<string, DeliveryCounts> } {
    const totals = emptyCounts();
    const byWebhook: Record<string, DeliveryCounts> = {};
    for (const [webhook, counts] of this.#countsByWebhook) {
      byWebhook[webhook] = { ...counts };
      totals.pending += counts.pending;
      totals.delivered += counts.delivered;
      totals.failed += counts.failed;
    }
    return { totals, byWebhook };
  }

  #move(webhook: string, from: DeliveryState, to: DeliveryState): void {
    const counts = this.#countsOf(webhook);
    counts[from]--;
    counts[to]++;
  }

  #countsOf(webhook: string): DeliveryCounts {
    let counts = this.#countsByWebhook.get(webhook);
    if (counts === undefined) {
      counts = emptyCounts();
      this.#countsByWebhook.set(webhook, counts);
    }
    return counts;
  }

  #firstIndexAtOrAfter(seq: number): number {
    let low = 0;
    let high = this.#ordered.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#ordered[middle]!.seq < seq) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

export function publicView(delivery: StoredDelivery): AlertDelivery {
  const view: AlertDelivery = {
    id: delivery.id,
    webhook: delivery.webhook,
    state: delivery.state,
    attempts: delivery.attempts,
    nextAttemptAt: delivery.nextAttemptAt,
    createdAt: delivery.createdAt,
    updatedAt: delivery.updatedAt,
  };
  if (delivery.findingId !== undefined) view.findingId = delivery.findingId;
  if (delivery.incidentId !== undefined) view.incidentId = delivery.incidentId;
  if (delivery.lastStatus !== undefined) view.lastStatus = delivery.lastStatus;
  if (delivery.lastError !== undefined) view.lastError = delivery.lastError;
  return view;
}
