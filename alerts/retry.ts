import { backoffDelayMs } from '../common/backoff.js';
import type { AttemptOutcome } from './attempt.js';
import type { WebhookConfig } from './config.js';
import type { StoredDelivery } from './delivery-index.js';
import type { DeliveryChange } from './outbox.js';

type RetryPolicy = Pick<
  WebhookConfig,
  'maxAttempts' | 'maxAgeMs' | 'backoffBaseMs' | 'backoffMaxMs' | 'retryAfterMaxMs'
>;

/**
 * 2xx delivers; 4xx other than 408/429 fails for good; everything else (5xx, 408, 429, redirects,
 * timeouts, connection errors) is retried after the backoff or the receiver's Retry-After, whichever is
 * longer, until maxAttempts or maxAgeMs runs out.
 */
export function changeAfterAttempt(
  policy: RetryPolicy,
  delivery: StoredDelivery,
  outcome: AttemptOutcome,
  now: number,
  random: () => number,
): DeliveryChange {
  const attempts = delivery.attempts + 1;
  const lastStatus = 'status' in outcome ? outcome.status : undefined;
  if (outcome.kind === 'delivered') {
    return { state: 'delivered', attempts, nextAttemptAt: null, lastStatus, lastError: undefined };
  }
  if (outcome.kind === 'rejected') {
    return { state: 'failed', attempts, nextAttemptAt: null, lastStatus, lastError: outcome.error };
  }
  const retryAfterMs = outcome.kind === 'http_error' ? (outcome.retryAfterMs ?? 0) : 0;
  const delayMs = Math.max(
    backoffDelayMs(attempts, { baseMs: policy.backoffBaseMs, maxMs: policy.backoffMaxMs, jitter: 1 }, random),
    Math.min(retryAfterMs, policy.retryAfterMaxMs),
  );
  const nextAttemptAt = now + delayMs;
  if (attempts >= policy.maxAttempts) {
    return {
      state: 'failed',
      attempts,
      nextAttemptAt: null,
      lastStatus,
      lastError: `${outcome.error}; gave up after ${attempts} attempts`,
    };
  }
  if (nextAttemptAt > delivery.createdAt + policy.maxAgeMs) {
    return {
      state: 'failed',
      attempts,
      nextAttemptAt: null,
      lastStatus,
      lastError: `${outcome.error}; gave up: older than maxAgeMs`,
    };
  }
  return { state: 'pending', attempts, nextAttemptAt, lastStatus, lastError: outcome.error };
}

/** `Retry-After` as delay-seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
