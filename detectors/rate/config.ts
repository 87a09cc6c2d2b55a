import { z } from 'zod';
import { baselineFields } from '../baseline.js';

const positiveInt = z.number().int().positive();

export const rateFields = z.object({
  /** Tumbling window for request counts. */
  windowMs: positiveInt,
  /** Requests per window under one origin credential (all hops of its lineage) above this is a finding. */
  maxRequestsPerOrigin: positiveInt,
  /** Requests per window presented with one hop credential above this is a finding. */
  maxRequestsPerCredential: positiveInt,
  /** More 401/403 answers than this for one credential within any sliding window is a probing finding. */
  maxAuthFailures: positiveInt,
  /** Sliding window for 401/403 bursts, and its slide. */
  authWindowMs: positiveInt,
  authSlideMs: positiveInt,
  /** Smoothing of the EWMA baseline of per-window counts (weight of the newest window). */
  ewmaAlpha: z.number().gt(0).lte(1),
  baseline: baselineFields,
});
export type RateConfig = z.infer<typeof rateFields>;

export const rateDefaults: RateConfig = {
  windowMs: 60_000,
  maxRequestsPerOrigin: 600,
  maxRequestsPerCredential: 600,
  maxAuthFailures: 20,
  authWindowMs: 60_000,
  authSlideMs: 10_000,
  ewmaAlpha: 0.3,
  baseline: { historySize: 60, minHistory: 15, zThreshold: 6, minCount: 60, minRatio: 3 },
};
