import FlatQueue from 'flatqueue';
import type { StoredDelivery } from './delivery-index.js';
import type { ResolvedWebhook } from './secrets.js';

/**
 * Pending deliveries of one webhook, by next attempt time. The changes of one incident go out one at a
 * time and in order (opened before escalated before resolved, a retried one before the next), so a
 * receiver that keeps state per incident (PagerDuty's dedup key) never sees a resolve overtaken.
 */
export class Lane {
  readonly due = new FlatQueue<StoredDelivery>();
  inFlight = 0;
  timer: NodeJS.Timeout | undefined;
  /** Per incident, its pending deliveries in seq order: only the first is ever due. */
  readonly #incidents = new Map<string, StoredDelivery[]>();

  constructor(readonly webhook: ResolvedWebhook) {}

  /** A pending delivery, new or left by the last run; added in seq order. */
  add(delivery: StoredDelivery): void {
    const incident = delivery.incidentId;
    if (incident !== undefined) {
      const waiting = this.#incidents.get(incident);
      if (waiting !== undefined) {
        waiting.push(delivery);
        return;
      }
      this.#incidents.set(incident, [delivery]);
    }
    this.retry(delivery);
  }

  /** A delivery due again at its next attempt time. */
  retry(delivery: StoredDelivery): void {
    this.due.push(delivery, delivery.nextAttemptAt ?? 0);
  }

  /** A delivery delivered or failed: the next change of its incident is due. */
  settled(delivery: StoredDelivery): void {
    const incident = delivery.incidentId;
    if (incident === undefined) return;
    const waiting = this.#incidents.get(incident)!;
    waiting.shift();
    const next = waiting[0];
    if (next === undefined) this.#incidents.delete(incident);
    else this.retry(next);
  }
}
