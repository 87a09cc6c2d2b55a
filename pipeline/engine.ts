import { createHash } from 'node:crypto';
import { z } from 'zod';
import { BoundedMemo } from '../common/bounded-memo.js';
import type { JsonOut } from '../common/json-slices.js';
import { firstIssue } from '../common/zod.js';
import type { DetectorsConfig } from '../detectors/config.js';
import { detectorNames, detectorRegistry } from '../detectors/index.js';
import { RootAnchors } from '../detectors/root-actions.js';
import { rootAnchorsSnapshotSchema } from '../detectors/snapshot-schemas.js';
import type { Detector, DetectorNote } from '../detectors/types.js';
import { WindowLimit } from '../detectors/window.js';
import { incidentsConfigSchema } from '../incidents/config.js';
import type { SilenceBook } from '../incidents/silences.js';
import { IncidentTracker, incidentSnapshotSchema } from '../incidents/tracker.js';
import type { LineageConfig } from '../lineage/config.js';
import { LineageResolver } from '../lineage/resolver.js';
import { lineageSnapshotSchema, restoreLineage, snapshotLineage } from '../lineage/snapshot.js';
import type { Finding } from '../schemas/finding.js';
import { type HopEvent, isCall } from '../schemas/hop-event.js';
import type { Incident } from '../schemas/incident.js';
import type { ResolvedHop, UpstreamTag } from '../schemas/resolved-hop.js';
import type { EngineStats } from '../schemas/stats.js';
import { PublishedFindings, publishedFindingsSnapshotSchema } from './published-findings.js';
import { UpstreamWatermarks, upstreamWatermarksSnapshotSchema } from './upstream-watermarks.js';

export type IncidentSettings = { quietMs: number; maxOpen: number };
/**
 * One stage of a pipeline split over Kafka: `lineage` resolves hops and raises nothing; `detectors`
 * takes hops another instance resolved (ResolvedHops, see ingest/formats/resolved-hop.ts).
 */
export type EngineStage = 'lineage' | 'detectors';
export type EngineConfig = {
  lineage: LineageConfig;
  detectors: DetectorsConfig;
  incidents?: IncidentSettings;
  /** Both stages when absent. */
  stage?: EngineStage;
};
/**
 * `silences` mark the findings they match (none by default); `now` is the wall clock. A split ingest
 * stage's task engine also gets `upstreamId`, what it tags its hops and watermark marks with (its task,
 * whichever instance holds it; '' when absent); a detect stage's, `upstreamIdleMs` and the
 * `upstreamTasks` it waits for from the start (see UpstreamWatermarks).
 */
export type EngineDeps = {
  now: () => number;
  silences?: SilenceBook;
  upstreamId?: string;
  upstreamIdleMs?: number;
  upstreamTasks?: readonly string[];
};

/**
 * Names the engine shares per key the detectors track: a credential, a workload or agent, a service and
 * one to spare. A memo smaller than the names in use starts over before any comes back, and shares none:
 * 1M traces of 100k credentials and agents held 55 MB more heap with the 100,000 names it used to keep.
 */
const sharedNamesPerKey = 4;

/** For engines built without a config file (tests, the bench): the configuration's own defaults. */
const defaultIncidentSettings: IncidentSettings = incidentsConfigSchema.parse({});

/** Where the engine puts what it produces, as soon as it is produced. */
export interface EngineSink {
  hop(hop: ResolvedHop): void;
  finding(finding: Finding): void;
  /** Each new version of an incident; ignored when absent. */
  incident?(incident: Incident): void;
  /** Event time the detectors have judged up to (windows ending before it are closed); ignored when absent. */
  settled?(watermark: number): void;
}

/** What a lane drives: one engine, or one per partition task (TaskEngines, whose `observe` takes the task). */
export interface LaneEngine {
  /** Resolves lineage, feeds the detectors and pushes resolved hops and closed-window findings to the sink. */
  observe(hop: HopEvent, task?: string): void;
  /** Moves the watermark without an event (idle input), closing windows that are due. */
  advanceWatermark(watermark: number): void;
  /** Detect stage: an ingest task's watermark mark (see watermarkMarkSchema), read from `task`'s partition. */
  observeUpstream(tag: UpstreamTag, task?: string): void;
  /** Ingest stage of a split pipeline: each task's watermark mark, to publish (none elsewhere). */
  upstreamMarks(): UpstreamTag[];
  /** The watermark; -Infinity before the first. */
  currentWatermark(): number;
  /** End of input: resolves every waiting hop and closes every open window. */
  flush(): void;
  stats(): EngineStats;
  /**
   * The state as JSON-serialisable data, its big lists produced while they are serialised (see
   * JsonList): nothing may be observed until it has been written.
   */
  snapshot(): unknown;
}

/** lineage → detectors, in event time. */
export interface DetectionEngine extends LaneEngine {
  observe(hop: HopEvent): void;
  observeUpstream(tag: UpstreamTag | undefined): void;
  /** What each detector made of a hop it has observed (read only; for `hopwatch explain`). */
  explain(hop: ResolvedHop): Record<string, DetectorNote>;
  snapshot(): JsonOut<EngineSnapshot>;
}

const snapshotVersion = 2;

const inProcessNote = 'A step inside one process (protocol in_process), not a call: no detector counts it.';

const engineSnapshotSchema = z.object({
  version: z.literal(snapshotVersion),
  /** Of the lineage and detector configuration the state was built under. */
  configFingerprint: z.string(),
  maxTs: z.number().nullable(),
  watermark: z.number().nullable(),
  /** Detect stage: the ingest tasks' watermarks. */
  upstreams: upstreamWatermarksSnapshotSchema.optional(),
  eventsObserved: z.number().int().nonnegative(),
  lateEvents: z.number().int().nonnegative(),
  findingsByDetector: z.record(z.string(), z.number()),
  lineage: lineageSnapshotSchema,
  detectors: z.record(z.string(), z.unknown()),
  /** Shared by the detectors that keep state per root action; in each detector's own state before. */
  rootAnchors: rootAnchorsSnapshotSchema.optional(),
  /** Absent in snapshots taken before incidents existed. */
  incidents: incidentSnapshotSchema.optional(),
  /** Absent in snapshots taken before published findings were remembered. */
  published: publishedFindingsSnapshotSchema.optional(),
});

export type EngineSnapshot = z.infer<typeof engineSnapshotSchema>;

/**
 * lineage → detectors in event time. The watermark is max ts − allowedLatenessMs; lineage settles hops
 * against it, and detectors close windows against watermark − lineage.graceMs, so that a window never
 * closes while a hop that belongs to it can still be waiting for its ancestors.
 */
class Engine implements DetectionEngine {
  private readonly lineage: LineageResolver;
  private readonly detectors: Detector[];
  private readonly rootAnchors: RootAnchors;
  /** One per detector (each of its window sets holds up to the cap), so that early closes are told apart. */
  private readonly windowLimits = new Map<string, WindowLimit>();
  private readonly incidents: IncidentTracker;
  private readonly published = new PublishedFindings();
  private readonly silences: SilenceBook | undefined;
  private maxTs = Number.NEGATIVE_INFINITY;
  private watermark = Number.NEGATIVE_INFINITY;
  private readonly upstreamId: string;
  private readonly upstreams: UpstreamWatermarks;
  /**
   * One string object per distinct text among the recent ones: each decoded record brings new copies
   * of its credential, workload and service, and trace state would keep one per hop. Sized so that
   * every credential, workload, agent and service the detectors can track fits (see sharedNamesPerKey).
   */
  private readonly strings: BoundedMemo<string>;
  private eventsObserved = 0;
  private lateEvents = 0;
  private readonly findingsByDetector = zeroPerDetector();

  constructor(
    private readonly config: EngineConfig,
    private readonly sink: EngineSink,
    deps: EngineDeps,
    snapshot?: EngineSnapshot,
  ) {
    this.silences = deps.silences;
    this.strings = new BoundedMemo((text) => text, sharedNamesPerKey * config.detectors.maxTrackedKeys);
    this.upstreamId = deps.upstreamId ?? '';
    this.upstreams = new UpstreamWatermarks(deps.now, config.detectors.allowedLatenessMs, {
      idleMs: deps.upstreamIdleMs,
      expected: deps.upstreamTasks,
    });
    this.incidents = new IncidentTracker(
      config.incidents ?? defaultIncidentSettings,
      (incident) => sink.incident?.(incident),
      snapshot?.incidents,
    );
    const { detectors } = config;
    this.rootAnchors = new RootAnchors(detectors.maxTrackedKeys);
    const build = {
      sections: detectors as unknown as Record<string, unknown>,
      overrides: detectors.overrides,
      shared: { maxTrackedKeys: detectors.maxTrackedKeys, maxSamples: detectors.maxSamples },
      rootAnchors: this.rootAnchors,
      now: deps.now,
    };
    this.lineage = new LineageResolver(config.lineage, (hop) => this.dispatch(hop));
    const stageDetectors = config.stage === 'lineage' ? [] : detectorRegistry;
    this.detectors = stageDetectors.map((component) => {
      const windowLimit = new WindowLimit(detectors.maxOpenWindows);
      this.windowLimits.set(component.name, windowLimit);
      return component.build({ ...build, windowLimit, snapshot: snapshot?.detectors[component.name] });
    });
    if (snapshot !== undefined) this.load(snapshot);
  }

  observe(hop: HopEvent): void {
    this.eventsObserved++;
    if (hop.ts > this.maxTs) this.maxTs = hop.ts;
    // The detect stage's decoder read the record as a ResolvedHop (resolvedHopSchema).
    if (this.config.stage === 'detectors') {
      this.observeResolved(hop as ResolvedHop);
      return;
    }
    if (hop.ts < this.watermark) this.lateEvents++;
    this.lineage.observe(this.shareStrings(hop));
    const next = this.maxTs - this.config.detectors.allowedLatenessMs;
    if (next > this.watermark) this.moveWatermark(next);
  }

  /** The texts that repeat across hops and that state keeps, shared (see `strings`). */
  private shareStrings(hop: HopEvent): HopEvent {
    const { credential, source, destination } = hop;
    credential.id = this.strings.of(credential.id);
    // State keeps the caller by its workload, else its agent (callers, call keys): an agent beside a workload is not kept.
    if (source.workload !== undefined) source.workload = this.strings.of(source.workload);
    else if (source.agent !== undefined) source.agent = this.strings.of(source.agent);
    destination.service = this.strings.of(destination.service);
    return hop;
  }

  /**
   * The ingest tasks' watermarks move this one (UpstreamWatermarks). Resolved hops come behind the
   * watermark by design (lineage settled them): late is past the windows' close. A copy of a hop already
   * judged (a task taken over re-sends what came after its checkpoint) is not late, only dropped.
   */
  private observeResolved(hop: ResolvedHop): void {
    const late = hop.ts < this.watermark - this.config.lineage.graceMs;
    this.observeUpstream(hop.upstream);
    if (this.lineage.passThrough(hop) && late) this.lateEvents++;
  }

  observeUpstream(tag: UpstreamTag | undefined): void {
    const due = this.upstreams.take(tag);
    if (due !== undefined && due > this.watermark) this.moveWatermark(due);
  }

  upstreamMarks(): UpstreamTag[] {
    const mark = this.upstreamMark();
    return mark === undefined ? [] : [mark];
  }

  /** An ingest stage's task: its tag, as its hops carry it and its marks say it (once it has a watermark). */
  private upstreamMark(): UpstreamTag | undefined {
    if (this.config.stage !== 'lineage' || !Number.isFinite(this.watermark)) return undefined;
    return { id: this.upstreamId, watermark: this.watermark };
  }

  advanceWatermark(watermark: number): void {
    if (watermark > this.watermark) this.moveWatermark(watermark);
  }

  currentWatermark(): number {
    return this.watermark;
  }

  flush(): void {
    this.lineage.flush();
    this.closeWindows(Number.POSITIVE_INFINITY);
    this.sink.settled?.(Number.POSITIVE_INFINITY);
  }

  explain(hop: ResolvedHop): Record<string, DetectorNote> {
    const note = (detector: Detector): DetectorNote =>
      isCall(hop) ? detector.explain(hop) : { counted: false, note: inProcessNote };
    return Object.fromEntries(this.detectors.map((detector) => [detector.name, note(detector)]));
  }

  stats(): EngineStats {
    const lineage = this.lineage.stats();
    const detectorState = zeroPerDetector();
    const windowsClosedEarly = zeroPerDetector();
    for (const detector of this.detectors) {
      detectorState[detector.name] = detector.stateSize();
      windowsClosedEarly[detector.name] = this.windowLimits.get(detector.name)?.closedEarly ?? 0;
    }
    return {
      eventsObserved: this.eventsObserved,
      lateEvents: this.lateEvents,
      trackedTraces: lineage.trackedTraces,
      pendingHops: lineage.pendingHops,
      evictedTraces: lineage.evictedTraces,
      windowsClosedEarly,
      watermark: Number.isFinite(this.watermark) ? this.watermark : null,
      findingsByDetector: { ...this.findingsByDetector },
      duplicateHops: lineage.duplicateHops,
      mergedObservations: lineage.mergedObservations,
      detectorState,
      openIncidents: this.incidents.size(),
    };
  }

  snapshot(): JsonOut<EngineSnapshot> {
    const detectors: Record<string, unknown> = {};
    for (const detector of this.detectors) detectors[detector.name] = detector.snapshot();
    return {
      version: snapshotVersion,
      configFingerprint: configFingerprint(this.config),
      maxTs: finiteOrNull(this.maxTs),
      watermark: finiteOrNull(this.watermark),
      upstreams: this.upstreams.snapshot(),
      eventsObserved: this.eventsObserved,
      lateEvents: this.lateEvents,
      findingsByDetector: { ...this.findingsByDetector },
      lineage: snapshotLineage(this.lineage),
      detectors,
      rootAnchors: this.rootAnchors.snapshot(),
      incidents: this.incidents.snapshot(),
      published: this.published.snapshot(),
    };
  }

  private load(snapshot: EngineSnapshot): void {
    this.maxTs = snapshot.maxTs ?? Number.NEGATIVE_INFINITY;
    this.watermark = snapshot.watermark ?? Number.NEGATIVE_INFINITY;
    if (snapshot.upstreams !== undefined) this.upstreams.restore(snapshot.upstreams);
    this.eventsObserved = snapshot.eventsObserved;
    this.lateEvents = snapshot.lateEvents;
    Object.assign(this.findingsByDetector, snapshot.findingsByDetector);
    restoreLineage(this.lineage, snapshot.lineage);
    if (snapshot.rootAnchors !== undefined) this.rootAnchors.restore(snapshot.rootAnchors);
    if (snapshot.published !== undefined) this.published.restore(snapshot.published);
  }

  private moveWatermark(watermark: number): void {
    this.watermark = watermark;
    this.lineage.advance(watermark);
    const settled = watermark - this.config.lineage.graceMs;
    this.closeWindows(settled);
    this.incidents.advance(settled);
    this.sink.settled?.(settled);
  }

  /** Findings of windows closing together go out by window end, then id: the order incidents are built in. */
  private closeWindows(watermark: number): void {
    // Runs on every watermark move; almost always nothing closes, and then nothing is allocated.
    let raised: Finding[] | undefined;
    for (const detector of this.detectors) {
      const closed = detector.advance(watermark);
      if (closed.length > 0) raised = raised === undefined ? [...closed] : raised.concat(closed);
    }
    this.rootAnchors.expire(watermark);
    if (raised !== undefined) {
      raised.sort((a, b) => a.windowEnd - b.windowEnd || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      for (const finding of raised) this.publish(finding);
    }
    // After publishing: the end of input closes every window at once and forgets every id.
    this.published.expire(watermark);
  }

  /** Detectors first: a sink that asks them to explain the hop (`hopwatch explain`) finds it counted. */
  private dispatch(hop: ResolvedHop): void {
    const mark = this.upstreamMark();
    if (mark !== undefined) hop.upstream = mark;
    if (isCall(hop)) for (const detector of this.detectors) detector.observe(hop);
    this.sink.hop(hop);
  }

  /** A silenced finding is marked and joins no incident; any other joins its credential's incident. */
  private publish(finding: Finding): void {
    if (!this.published.first(finding)) return;
    this.findingsByDetector[finding.detector] = (this.findingsByDetector[finding.detector] ?? 0) + 1;
    const silence = this.silences?.match(finding);
    if (silence !== undefined) finding.silencedBy = silence.id;
    else finding.incidentId = this.incidents.add(finding);
    this.sink.finding(finding);
  }
}

function zeroPerDetector(): Record<string, number> {
  return Object.fromEntries(detectorNames.map((name) => [name, 0]));
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/**
 * A hash of the lineage and detector configuration, keys sorted: state built under one configuration
 * (window sizes, thresholds, learned baselines) is not resumed under another. The cap on open windows
 * is left out: it changes no window's meaning (past it, a restored engine closes early what it must),
 * and state saved before the cap existed resumes.
 */
export function configFingerprint(config: EngineConfig): string {
  const { lineage, stage } = config;
  const { maxOpenWindows: _sizesOnly, ...detectors } = config.detectors;
  const json = JSON.stringify(
    { lineage, detectors, ...(stage === undefined ? {} : { stage }) },
    (_key, value) =>
      typeof value === 'object' && value !== null && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : value,
  );
  return createHash('sha256').update(json).digest('hex').slice(0, 16);
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
 * followed the snapshot then yields the same findings as a run that never stopped. A snapshot of
 * another version, taken under another configuration, or that does not read as one is refused.
 */
export function restoreDetectionEngine(
  config: EngineConfig,
  snapshot: unknown,
  sink: EngineSink,
  deps: EngineDeps,
): { ok: true; engine: DetectionEngine } | { ok: false; reason: string } {
  const parsed = engineSnapshotSchema.safeParse(snapshot);
  if (!parsed.success) {
    const version = (snapshot as { version?: unknown } | null)?.version;
    if (version !== undefined && version !== snapshotVersion) {
      return { ok: false, reason: `engine snapshot: version ${String(version)} is not ${snapshotVersion}` };
    }
    return { ok: false, reason: `engine snapshot: ${firstIssue(parsed.error)}` };
  }
  const fingerprint = configFingerprint(config);
  if (parsed.data.configFingerprint !== fingerprint) {
    return {
      ok: false,
      reason:
        `engine snapshot: taken under another lineage/detectors configuration ` +
        `(${parsed.data.configFingerprint}, now ${fingerprint}); its open windows and baselines are not resumed`,
    };
  }
  try {
    return { ok: true, engine: new Engine(config, sink, deps, parsed.data) };
  } catch (error) {
    return { ok: false, reason: `engine snapshot: unreadable (${(error as Error).message})` };
  }
}
