export type Backoff = {
  baseMs: number;
  maxMs: number;
  /**
   * Share of the delay that is random, so that instances do not retry in step: 0 waits the whole
   * delay, 1 is "full jitter" (uniform between 0 and the delay).
   */
  jitter: number;
};

/** Exponential backoff: baseMs · 2^(attempt − 1), capped at maxMs, less a random share. Attempts count from 1. */
export function backoffDelayMs(
  attempt: number,
  backoff: Backoff,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 40));
  return Math.floor(ceiling * (1 - backoff.jitter + backoff.jitter * random()));
}
