import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { backoffDelayMs } from '../common/backoff.js';
import { describeError } from '../common/errors.js';

export type RetryOptions = {
  /** Between attempts, e.g. a consumer heartbeat so that the group keeps the member while it waits. */
  between?: () => Promise<void>;
  /** Gives up (rethrows the last failure) once this returns true. */
  giveUp?: () => boolean;
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
      if (options.giveUp?.()) throw error;
      if (attempt === 0) {
        logger.warn(
          { what, reason: describeError(error) },
          `${what} failed: Kafka consumption pauses (nothing is skipped) and retries until it works`,
        );
      }
      await sleep(backoffDelayMs(attempt + 1, backoff));
      await options.between?.();
    }
  }
}
