import type { LineageConfig } from '../lineage/config.js';
import { LineageResolver } from '../lineage/resolver.js';
import { type LineageSnapshot, restoreLineage, snapshotLineage } from '../lineage/snapshot.js';
import { type DetectorName, detectorNames, type Finding } from '../schemas/finding.js';
import type { HopEvent } from '../schemas/hop-event.js';
import type { ResolvedHop } from '../schemas/resolved-hop.js';
import type { DetectorsConfig } from './config.js';
import { detectorRegistry } from './index.js';
import { DetectorSettings } from './overrides.js';
import type { DetectionEngine, Detector, EngineSink, EngineStats } from './types.js';

export type EngineConfig = { lineage: LineageConfig; detectors: DetectorsConfig };
export type EngineDeps = { now: () => number };

const snapshotVersion = 1;

export type EngineSnapshot = {
  version: typeof snapshotVersion;
  maxTs: number | null;
  watermark: number | null;
  eventsObserved: number;
  lateEvents: number;
  findingsByDetector: Record<DetectorName, number>;
  lineage: LineageSnapshot;
  detectors: Record<string, unknown>;
};

/**
 * lineage → detectors in event time. The watermark is max ts − allowedLatenessMs; lineage settles hops
 * against it, and detectors close windows against watermark − lineage.graceMs, so that a window never
 * closes while a hop that belongs to it can still be waiting for its ancestors.
 */
class Engine implements DetectionEngine {
  private readonly lineage: LineageResolver;
  private readonly detectors: Detector[];
  private maxTs = Number.NEGATIVE_INFINITY;
  private watermark = Number.NEGATIVE_INFINITY;
  private eventsObserved = 0;
  private lateEvents = 0;
  private readonly findingsByDetector = zeroPerDetector();

  constructor(
    private readonly config: EngineConfig,
    private readonly sink: EngineSink,
    deps: EngineDeps,
    snapshot?: EngineSnapshot,
  ) {
    const context = {
      config: config.detectors,
      settings: new DetectorSettings(config.detectors),
      now: deps.now,
    };
    this.lineage = new LineageResolver(config.lineage, (hop) => this.dispatch(hop));
    this.detectors = detectorRegistry.map((factory) =>
      factory.create(context, snapshot?.detectors[factory.name]),
    );
    if (snapshot !== undefined) this.load(snapshot);
  }

  observe(hop: HopEvent): void {
    this.eventsObserved++;
    if (hop.ts < this.watermark) this.lateEvents++;
    if (hop.ts > this.maxTs) this.maxTs = hop.ts;
    this.lineage.observe(hop);
    const next = this.maxTs - this.config.detectors.allowedLatenessMs;
    if (next > this.watermark) this.moveWatermark(next);
  }

  advanceWatermark(watermark: number): void {
    if (watermark > this.watermark) this.moveWatermark(watermark);
  }

  flush(): void {
    this.lineage.flush();
    this.closeWindows(Number.POSITIVE_INFINITY);
  }

  stats(): EngineStats {
    const lineage = this.lineage.stats();
    const detectorState = zeroPerDetector();
    for (const detector of this.detectors) detectorState[detector.name] = detector.stateSize();
    return {
      eventsObserved: this.eventsObserved,
      lateEvents: this.lateEvents,
      trackedTraces: lineage.trackedTraces,
      pendingHops: lineage.pendingHops,
      evictedTraces: lineage.evictedTraces,
      watermark: Number.isFinite(this.watermark) ? this.watermark : null,
      findingsByDetector: { ...this.findingsByDetector },
      duplicateHops: lineage.duplicateHops,
      detectorState,
    };
  }

  snapshot(): EngineSnapshot {
    const detectors: Record<string, unknown> = {};
    for (const detector of this.detectors) detectors[detector.name] = detector.snapshot();
    return {
      version: snapshotVersion,
      maxTs: finiteOrNull(this.maxTs),
      watermark: finiteOrNull(this.watermark),
      eventsObserved: this.eventsObserved,
      lateEvents: this.lateEvents,
      findingsByDetector: { ...this.findingsByDetector },
      lineage: snapshotLineage(this.lineage),
      detectors,
    };
  }

  private load(snapshot: EngineSnapshot): void {
    this.maxTs = snapshot.maxTs ?? Number.NEGATIVE_INFINITY;
    this.watermark = snapshot.watermark ?? Number.NEGATIVE_INFINITY;
    this.eventsObserved = snapshot.eventsObserved;
    this.lateEvents = snapshot.lateEvents;
    Object.assign(this.findingsByDetector, snapshot.findingsByDetector);
    restoreLineage(this.lineage, snapshot.lineage);
  }

  private moveWatermark(watermark: number): void {
    this.watermark = watermark;
    this.lineage.advance(watermark);
    this.closeWindows(watermark - this.config.lineage.graceMs);
  }

  private closeWindows(watermark: number): void {
    for (const detector of this.detectors) {
      for (const finding of detector.advance(watermark)) this.publish(finding);
    }
  }

  private dispatch(hop: ResolvedHop): void {
    this.sink.hop(hop);
    for (const detector of this.detectors) detector.observe(hop);
  }

  private publish(finding: Finding): void {
    this.findingsByDetector[finding.detector]++;
    this.sink.finding(finding);
  }
}

function zeroPerDetector(): Record<DetectorName, number> {
  return Object.fromEntries(detectorNames.map((name) => [name, 0])) as Record<DetectorName, number>;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

export function createDetectionEngine(
  config: EngineConfig,
  sink: EngineSink,
  deps: EngineDeps,
): DetectionEngine {
  return new Engine(config, sink, deps);
}

/**
 * Rebuilds an engine from `snapshot()` output (after a JSON round trip). Replaying the events that
 * followed the snapshot then yields the same findings as a run that never stopped.
 */
export function restoreDetectionEngine(
  config: EngineConfig,
  snapshot: unknown,
  sink: EngineSink,
  deps: EngineDeps,
): { ok: true; engine: DetectionEngine } | { ok: false; reason: string } {
  if (typeof snapshot !== 'object' || snapshot === null || !('version' in snapshot)) {
    return { ok: false, reason: 'engine snapshot: not an engine snapshot' };
  }
  if (snapshot.version !== snapshotVersion) {
    return {
      ok: false,
      reason: `engine snapshot: version ${String(snapshot.version)} is not ${snapshotVersion}`,
    };
  }
  try {
    return { ok: true, engine: new Engine(config, sink, deps, snapshot as EngineSnapshot) };
  } catch (error) {
    return { ok: false, reason: `engine snapshot: unreadable (${(error as Error).message})` };
  }
}
