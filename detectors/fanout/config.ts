import { z } from 'zod';
import { baselineFields } from '../baseline.js';

const positiveInt = z.number().int().positive();

export const fanoutFields = z.object({
  /** Windows are anchored at the root hop's start: [root, root + windowMs), then the next ones. */
  windowMs: positiveInt,
  /** More descendant calls than this under one root action in one window is a finding. */
  maxDescendants: positiveInt,
  /** More distinct destinations (service, or service:tool) than this is a finding. */
  maxDestinations: positiveInt,
  baseline: baselineFields,
});

export type FanoutConfig = z.infer<typeof fanoutFields>;

export const fanoutDefaults: FanoutConfig = {
  windowMs: 60_000,
  maxDescendants: 25,
  maxDestinations: 10,
  baseline: { historySize: 50, minHistory: 20, zThreshold: 6, minCount: 10, minRatio: 3 },
};
