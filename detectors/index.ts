import { fanoutDetector } from './fanout.js';
import { rateDetector } from './rate.js';
import { recursionDetector } from './recursion.js';
import { scopeExpansionDetector } from './scope-expansion.js';
import type { DetectorFactory } from './types.js';

/** Every detector the engine runs, in the order findings of one watermark step are emitted. */
export const detectorRegistry: readonly DetectorFactory[] = [
  fanoutDetector,
  recursionDetector,
  scopeExpansionDetector,
  rateDetector,
];
