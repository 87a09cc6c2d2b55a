import { join } from 'node:path';
import type { Logger } from 'pino';
import { type Finding, type Severity, severityAtLeast } from '../schemas/finding.js';
import { type Incident, isNotifiable } from '../schemas/incident.js';
import { sendAttempt } from './attempt.js';
import { renderAlertBody } from './body.js';
import type { AlertsConfig } from './config.js';
import {
  type AlertDeliveryFilter,
  type AlertDeliveryPage,
  type AlertDeliveryStats,
  type AttemptOutcomeKind,
  attemptOutcomes,
} from './delivery.js';
import type { StoredDelivery } from './delivery-index.js';
import { incidentUrl, renderIncidentBody } from './incident-body.js';
import { Lane } from './lane.js';
import { AlertOutbox, type DeliveryChange, type NewDelivery } from './outbox.js';
import { attemptOf } from './outgoing.js';
import { changeAfterAttempt } from './retry.js';
import { type ResolvedWebhook, resolveWebhookSecrets } from './secrets.js';
import { deliveryIdFor, hopwatchUserAgent } from './signature.js';

export type AlertDispatcherOptions = {
  config: AlertsConfig;
  /** The outbox lives in `<dataDir>/alerts/`. */
  dataDir: string;
  logger: Logger;
  now?: () => number;
  fetchImpl?: typeof fetch;
  /** Where `secretEnv` names are looked up; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Jitter source in [0, 1); default Math.random. */
  random?: () => number;
};

export type AlertDispatcher = {
  /**
   * Routes findings (webhooks with `notify: findings`) and incident changes (`notify: incidents`) by
   * severity and detector, silenced findings to none, and resolves once the new deliveries are on disk.
   */
  enqueue(findings: readonly Finding[], incidents?: readonly Incident[]): Promise<void>;
  /** Starts delivering, the backlog left by a previous run first. */
  start(): void;
  /** Stops scheduling, waits for attempts in flight (at most a timeout) and closes the outbox. */
  stop(): Promise<void>;
  list(filter: AlertDeliveryFilter): AlertDeliveryPage;
  stats(): AlertDeliveryStats;
};

export type CreatedAlertDispatcher =
  | { ok: true; dispatcher: AlertDispatcher }
  | { ok: false; reason: string };

/** Resolves the webhook secrets and opens the outbox; either failing is a start-up error with a reason. */
export async function createAlertDispatcher(
  options: AlertDispatcherOptions,
): Promise<CreatedAlertDispatcher> {
  const resolved = resolveWebhookSecrets(options.config, options.env ?? process.env);
  if (!resolved.ok) return resolved;
  const now = options.now ?? Date.now;
  const logger = options.logger.child({ component: 'alerts' });
  const opened = await AlertOutbox.open({
    directory: join(options.dataDir, 'alerts'),
    config: options.config.outbox,
    now,
    logger,
  });
  if (!opened.ok) return opened;
  const dispatcher = new WebhookDispatcher(resolved.webhooks, opened.outbox, {
    logger,
    now,
    fetchImpl: options.fetchImpl ?? fetch,
    random: options.random ?? Math.random,
    userAgent: hopwatchUserAgent(),
    maxPending: options.config.outbox.maxPending,
    publicUrl: options.config.publicUrl,
  });
  await dispatcher.failOrphans();
  return { ok: true, dispatcher };
}

type Collaborators = {
  logger: Logger;
  now: () => number;
  fetchImpl: typeof fetch;
  random: () => number;
  userAgent: string;
  maxPending: number;
  publicUrl: string | undefined;
};

class WebhookDispatcher implements AlertDispatcher {
  readonly #outbox: AlertOutbox;
  readonly #lanes = new Map<string, Lane>();
  readonly #orphans: StoredDelivery[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  readonly #waitingForRoom: Array<() => void> = [];
  readonly #attemptsByOutcome = Object.fromEntries(attemptOutcomes.map((kind) => [kind, 0])) as Record<
    AttemptOutcomeKind,
    number
  >;
  readonly #with: Collaborators;
  #state: 'idle' | 'running' | 'stopped' = 'idle';
  #stopped: Promise<void> | undefined;

  constructor(webhooks: ResolvedWebhook[], outbox: AlertOutbox, collaborators: Collaborators) {
    this.#outbox = outbox;
    this.#with = collaborators;
    for (const webhook of webhooks) {
      this.#lanes.set(webhook.name, new Lane(webhook));
    }
    for (const delivery of outbox.pending()) {
      const lane = this.#lanes.get(delivery.webhook);
      if (lane === undefined) this.#orphans.push(delivery);
      else lane.add(delivery);
    }
  }

  /** Pending deliveries of a webhook removed from the config can never be sent: settle them as failed. */
  async failOrphans(): Promise<void> {
    for (const delivery of this.#orphans.splice(0)) {
      await this.#outbox.update(delivery, {
        state: 'failed',
        attempts: delivery.attempts,
        nextAttemptAt: null,
        lastStatus: delivery.lastStatus,
        lastError: `webhook "${delivery.webhook}" is no longer configured`,
      });
      this.#with.logger.warn(
        { webhook: delivery.webhook, deliveryId: delivery.id },
        'alert delivery failed: its webhook is no longer configured',
      );
    }
  }

  async enqueue(findings: readonly Finding[], incidents: readonly Incident[] = []): Promise<void> {
    await this.#roomForMore();
    if (this.#state === 'stopped') throw new Error('the alert dispatcher is stopped');
    const candidates: NewDelivery[] = [];
    for (const { webhook } of this.#lanes.values()) {
      if (webhook.notify === 'findings') candidates.push(...this.#findingDeliveries(webhook, findings));
      else candidates.push(...this.#incidentDeliveries(webhook, incidents));
    }
    if (candidates.length === 0) return;
    for (const delivery of await this.#outbox.add(candidates)) {
      const lane = this.#lanes.get(delivery.webhook)!;
      lane.add(delivery);
      this.#pump(lane);
    }
  }

  #findingDeliveries(webhook: ResolvedWebhook, findings: readonly Finding[]): NewDelivery[] {
    return findings
      .filter(
        (finding) =>
          finding.silencedBy === undefined && routes(webhook, finding.severity, [finding.detector]),
      )
      .map((finding) => ({
        id: deliveryIdFor(finding.id, webhook.name),
        findingId: finding.id,
        webhook: webhook.name,
        body: renderAlertBody(finding, webhook.bodyStyle),
      }));
  }

  #incidentDeliveries(webhook: ResolvedWebhook, incidents: readonly Incident[]): NewDelivery[] {
    return incidents
      .filter(
        (incident) => isNotifiable(incident.change) && routes(webhook, incident.severity, incident.detectors),
      )
      .map((incident) => ({
        id: deliveryIdFor(`incident:${incident.id}:${incident.version}`, webhook.name),
        incidentId: incident.id,
        webhook: webhook.name,
        body: renderIncidentBody(incident, webhook.bodyStyle, incidentUrl(this.#with.publicUrl, incident.id)),
      }));
  }

  start(): void {
    if (this.#state === 'stopped') throw new Error('the alert dispatcher is stopped');
    this.#state = 'running';
    for (const lane of this.#lanes.values()) this.#pump(lane);
  }

  stop(): Promise<void> {
    if (this.#stopped === undefined) {
      this.#state = 'stopped';
      for (const lane of this.#lanes.values()) clearTimeout(lane.timer);
      this.#wakeWaitingForRoom();
      this.#stopped = Promise.allSettled([...this.#inFlight]).then(() => this.#outbox.close());
    }
    return this.#stopped;
  }

  list(filter: AlertDeliveryFilter): AlertDeliveryPage {
    return this.#outbox.list(filter);
  }

  stats(): AlertDeliveryStats {
    const { totals, byWebhook } = this.#outbox.counts();
    return { ...totals, attemptsByOutcome: { ...this.#attemptsByOutcome }, byWebhook };
  }

  /** Waits while the outbox holds `maxPending` pending deliveries (or until the dispatcher stops). */
  async #roomForMore(): Promise<void> {
    while (this.#state !== 'stopped' && this.#outbox.counts().totals.pending >= this.#with.maxPending) {
      await new Promise<void>((resolve) => this.#waitingForRoom.push(resolve));
    }
  }

  #wakeWaitingForRoom(): void {
    for (const wake of this.#waitingForRoom.splice(0)) wake();
  }

  /** Starts every due delivery the lane has room for, then sleeps until the next one is due. */
  #pump(lane: Lane): void {
    if (this.#state !== 'running') return;
    clearTimeout(lane.timer);
    lane.timer = undefined;
    const now = this.#with.now();
    while (lane.inFlight < lane.webhook.concurrency) {
      const next = lane.due.peek();
      const dueAt = lane.due.peekValue();
      if (next === undefined || dueAt === undefined) return;
      if (dueAt > now) {
        lane.timer = setTimeout(() => this.#pump(lane), dueAt - now);
        return;
      }
      lane.due.pop();
      lane.inFlight++;
      const attempt = this.#attempt(lane, next).finally(() => {
        this.#inFlight.delete(attempt);
        lane.inFlight--;
        this.#pump(lane);
      });
      this.#inFlight.add(attempt);
    }
  }

  async #attempt(lane: Lane, delivery: StoredDelivery): Promise<void> {
    const { webhook } = lane;
    try {
      const now = this.#with.now();
      if (delivery.body === undefined || now > delivery.createdAt + webhook.maxAgeMs) {
        await this.#settle(lane, delivery, {
          state: 'failed',
          attempts: delivery.attempts,
          nextAttemptAt: null,
          lastStatus: delivery.lastStatus,
          lastError: `${delivery.lastError ?? 'not attempted'}; gave up: older than maxAgeMs`,
        });
        return;
      }
      const outcome = await sendAttempt(
        this.#with.fetchImpl,
        attemptOf(webhook, delivery.id, delivery.body, now, this.#with.userAgent),
      );
      this.#attemptsByOutcome[outcome.kind]++;
      await this.#settle(
        lane,
        delivery,
        changeAfterAttempt(webhook, delivery, outcome, this.#with.now(), this.#with.random),
      );
    } catch (error) {
      this.#with.logger.error(
        { webhook: webhook.name, deliveryId: delivery.id, error: (error as Error).message },
        'alerts outbox: could not record a delivery attempt (retried from the outbox after a restart)',
      );
    }
  }

  async #settle(lane: Lane, delivery: StoredDelivery, change: DeliveryChange): Promise<void> {
    // `update` applies the change in memory before its first await: the retry is queued even if the write fails.
    const recorded = this.#outbox.update(delivery, change);
    if (change.state === 'pending') lane.retry(delivery);
    else {
      lane.settled(delivery);
      this.#wakeWaitingForRoom();
    }
    await recorded;
    this.#log(lane.webhook, delivery);
  }

  // Names and statuses only: never the URL (Slack-style URLs embed a secret), the secret or the signature.
  #log(webhook: ResolvedWebhook, delivery: StoredDelivery): void {
    const fields = {
      webhook: webhook.name,
      deliveryId: delivery.id,
      findingId: delivery.findingId,
      incidentId: delivery.incidentId,
      attempts: delivery.attempts,
      status: delivery.lastStatus,
      error: delivery.lastError,
    };
    if (delivery.state === 'delivered') this.#with.logger.debug(fields, 'alert delivered');
    else if (delivery.state === 'failed') this.#with.logger.warn(fields, 'alert delivery failed');
    else
      this.#with.logger.info(
        { ...fields, nextAttemptAt: delivery.nextAttemptAt },
        'alert delivery will be retried',
      );
  }
}

/** Whether a finding (its detector) or an incident (any of its detectors) passes a webhook's filters. */
function routes(webhook: ResolvedWebhook, severity: Severity, detectors: readonly string[]): boolean {
  const wanted = webhook.detectors;
  return (
    severityAtLeast(severity, webhook.minSeverity) &&
    (wanted === undefined || detectors.some((name) => wanted.includes(name)))
  );
}
