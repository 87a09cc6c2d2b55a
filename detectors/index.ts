import { fanoutDetector } from './fanout/fanout.js';
import { rateDetector } from './rate/rate.js';
import { recursionDetector } from './recursion/recursion.js';
import { scopeExpansionDetector } from './scope-expansion/scope-expansion.js';

/**
 * Every detector the engine runs, in the order findings of one watermark step are emitted. Adding a
 * detector = its folder and one line here.
 */
export const detectorRegistry = [
  fanoutDetector,
  recursionDetector,
  scopeExpansionDetector,
  rateDetector,
] as const;

/** The `detector` of every finding hopwatch can raise. */
export const detectorNames: readonly string[] = detectorRegistry.map((component) => component.name);
