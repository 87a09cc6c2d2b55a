import { median } from 'simple-statistics';
import type { CredentialActivity } from '../store/types.js';

/** Buckets before one that its baseline is the median of; fewer than `minimum` give none. */
const baselineWindow = 30;
const minimum = 5;

export type RateLimit = { maxRequestsPerOrigin: number; windowMs: number };

/**
 * A credential's activity as the console charts it: each bucket with the median of the buckets
 * before it (its own recent normal), the rate limit scaled to one bucket, and what is new in the range.
 */
export function chartedActivity(credential: string, activity: CredentialActivity, limit: RateLimit) {
  const { buckets, from, to, bucketMs } = activity;
  const isNew = (firstSeen: number) => firstSeen >= from && firstSeen < to;
  return {
    credential,
    from,
    to,
    bucketMs,
    buckets: buckets.map((bucket, index) => {
      const previous = buckets.slice(Math.max(0, index - baselineWindow), index).map((entry) => entry.hops);
      return { ...bucket, baseline: previous.length < minimum ? null : median(previous) };
    }),
    threshold: (limit.maxRequestsPerOrigin * bucketMs) / limit.windowMs,
    destinations: activity.destinations.map((entry) => ({ ...entry, new: isNew(entry.firstSeen) })),
    tools: activity.tools.map((entry) => ({ ...entry, new: isNew(entry.firstSeen) })),
  };
}
