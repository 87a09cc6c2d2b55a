import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { backoffDelayMs } from '../common/backoff.js';
import { describeError } from '../common/errors.js';

export type RetryOptions = {
  /** Between attempts, e.g. a consumer heartbeat so that the group keeps the member while it waits. */
  between?: () => Promise<void>;
  /** Gives up (rethrows the failure) once this returns true for it. */
  giveUp?: (error: unknown) => boolean;
  /** What the first failure's warning says follows it. */
  meanwhile?: string;
};

const backoff = { baseMs: 100, maxMs: 5_000, jitter: 0 };

/**
 * Repeats `action` with capped exponential backoff until it succeeds, and resolves to what it gave:
 * how the Kafka source waits out an unavailable store or broker without dropping or skipping anything.
 * One warning per outage, one info line when it is over; the retries in between are silent.
 */
export async function untilDone<T>(
  what: string,
  action: () => Promise<T>,
  logger: Logger,
  options: RetryOptions = {},
): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      const done = await action();
      if (attempt > 0)
        logger.info({ what, waitedMs: Date.now() - started }, `${what}: working again, resuming`);
      return done;
    } catch (error) {
      if (options.giveUp?.(error)) throw error;
      if (attempt === 0) {
        logger.warn(
          { what, reason: describeError(error) },
          `${what} failed: ${options.meanwhile ?? 'Kafka consumption pauses (nothing is skipped) and retries until it works'}`,
        );
      }
      await sleep(backoffDelayMs(attempt + 1, backoff));
      await options.between?.();
    }
  }
}

/** How long start-up waits for a broker that is still settling before the process gives up. */
const startupRetryMs = 30_000;

/**
 * A start-up step (topics, subscription) retried for up to `startupRetryMs` while the broker answers
 * with an error it calls retriable: a topic created a moment ago is not known to every broker yet
 * (kafkajs#815), a partition's leader is moving. Anything else stops start-up, a broker that cannot
 * be reached too (kafkajs has retried the connection by then).
 */
export function retryStartup<T>(what: string, action: () => Promise<T>, logger: Logger): Promise<T> {
  const deadline = Date.now() + startupRetryMs;
  return untilDone(what, action, logger, {
    giveUp: (error) => !settling(error) || Date.now() > deadline,
    meanwhile: `the broker is settling; start-up retries for up to ${startupRetryMs / 1000} s`,
  });
}

/** Whether the failure, or one it was caused by (kafkajs's retrier gave up), is a retriable answer of a broker. */
export function settling(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    const { name, retriable } = cause as { name: string; retriable?: unknown };
    if (name === 'KafkaJSProtocolError' && retriable === true) return true;
  }
  return false;
}
