import type { DetectorName, Finding } from '../schemas/finding.js';
import type { HopEvent } from '../schemas/hop-event.js';
import type { ResolvedHop } from '../schemas/resolved-hop.js';
import type { DetectorsConfig } from './config.js';
import type { DetectorSettings } from './overrides.js';

/** One detector: a pure event-time state machine. */
export interface Detector {
  readonly name: DetectorName;
  observe(hop: ResolvedHop): void;
  /** Closes every window whose end the watermark has passed and returns their findings. */
  advance(watermark: number): Finding[];
  /** JSON-serialisable state, enough to rebuild the detector with `restore`. */
  snapshot(): unknown;
  /** Entries held (open windows, tracked keys): what bounded state is measured by. */
  stateSize(): number;
}

/** How the registry builds a detector: fresh, or from a `snapshot()` of an earlier one. */
export interface DetectorFactory {
  readonly name: DetectorName;
  create(context: DetectorContext, snapshot?: unknown): Detector;
}

/** What every detector is built with: its configuration, per-credential settings and the clock. */
export type DetectorContext = {
  config: DetectorsConfig;
  settings: DetectorSettings;
  /** Stamps `detectedAt`; injected so that tests and replays control it. */
  now: () => number;
};

/** Where the engine puts what it produces, as soon as it is produced. */
export interface EngineSink {
  hop(hop: ResolvedHop): void;
  finding(finding: Finding): void;
}

export type EngineStats = {
  eventsObserved: number;
  lateEvents: number;
  trackedTraces: number;
  pendingHops: number;
  evictedTraces: number;
  watermark: number | null;
  findingsByDetector: Record<DetectorName, number>;
  /** Hops seen twice in one tracked trace (same id), counted and not processed again. */
  duplicateHops: number;
  /** Entries held per detector. */
  detectorState: Record<DetectorName, number>;
};

/** lineage → detectors, in event time. */
export interface DetectionEngine {
  /** Resolves lineage, feeds the detectors and pushes resolved hops and closed-window findings to the sink. */
  observe(hop: HopEvent): void;
  /** Moves the watermark without an event (idle input), closing windows that are due. */
  advanceWatermark(watermark: number): void;
  /** End of input: resolves every waiting hop and closes every open window. */
  flush(): void;
  stats(): EngineStats;
  snapshot(): unknown;
}
