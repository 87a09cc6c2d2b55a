import { IdleMap } from '../../common/idle-map.js';
import type { JsonOut } from '../../common/json-slices.js';
import { formatDuration } from '../../common/text.js';
import type { Finding } from '../../schemas/finding.js';
import type { PathStep, ResolvedHop } from '../../schemas/resolved-hop.js';
import { assessCount, type CountHistory, emptyHistory, recordCount } from '../baseline.js';
import { detectorComponent, type RestorableDetector } from '../component.js';
import { buildFinding, type FindingDraft, rootWindowDraft } from '../finding.js';
import {
  DestinationKeys,
  describeRootAction,
  isActionRoot,
  rootActionKey,
  rootAnchorIdleWindows,
  uncountedRootAction,
} from '../hop-keys.js';
import {
  countBounded,
  countEntries,
  countedKeys,
  countsFrom,
  type KeyCounts,
  noCounts,
  topCounts,
} from '../key-counts.js';
import type { RootAnchors } from '../root-actions.js';
import {
  addToSample,
  noSample,
  type Sample,
  type Sampled,
  sampleEntries,
  sampleFrom,
  sampleIds,
} from '../sample.js';
import { type DetectorContext, type DetectorNote, noFindings } from '../types.js';
import { type ClosedWindow, KeyedWindows, type WindowPlace, windowTiming } from '../window.js';
import { type FanoutConfig, fanoutDefaults, fanoutFields } from './config.js';
import { type FanoutSnapshot, fanoutSnapshotSchema } from './snapshot.js';

const destinationsTracked = 256;
const topDestinations = 10;
// Root actions have no natural period for an EWMA to follow; it only guards the ratio test.
const historyEwmaAlpha = 0.3;

/** One window of one root action. */
type FanoutWindow = WindowPlace & {
  origin: string;
  traceId: string;
  rootHopId: string | null;
  /** Start of the root action's first window; that window's count feeds the origin's history. */
  anchor: number;
  calls: number;
  destinations: KeyCounts;
  maxDepth: number;
  /** The path of the earliest hop at the greatest depth. */
  deepest: Sampled | null;
  deepestPath: PathStep[] | null;
  inferredEdges: number;
  partialHops: number;
  late: number;
  sample: Sample;
};

const newWindow = (): FanoutWindow => ({
  key: '',
  start: 0,
  sizeMs: 0,
  origin: '',
  traceId: '',
  rootHopId: null,
  anchor: 0,
  calls: 0,
  destinations: noCounts,
  maxDepth: 0,
  deepest: null,
  deepestPath: null,
  inferredEdges: 0,
  partialHops: 0,
  late: 0,
  sample: noSample,
});

/** One root action expanding into too many calls or destinations, or far more than its origin usually does. */
class FanoutDetector implements RestorableDetector<FanoutSnapshot> {
  readonly name = 'fanout' as const;
  private readonly windows: KeyedWindows<FanoutWindow>;
  private readonly anchors: RootAnchors;
  private readonly history: IdleMap<CountHistory>;
  private readonly destinationKeys = new DestinationKeys();

  constructor(private readonly context: DetectorContext<FanoutConfig>) {
    this.windows = new KeyedWindows<FanoutWindow>(newWindow, context.windowLimit);
    const { maxTrackedKeys } = context.shared;
    this.anchors = context.rootAnchors.require(context.config.windowMs * rootAnchorIdleWindows);
    this.history = new IdleMap<CountHistory>({ idleMs: Number.MAX_SAFE_INTEGER, maxEntries: maxTrackedKeys });
  }

  observe(hop: ResolvedHop): void {
    const config = this.context.settingsFor(hop.originCredential);
    const action = this.anchors.windowOf(this.windows, hop, config.windowMs);
    if (action === undefined) return;
    const { window } = action;
    if (action.opened) window.anchor = action.anchor;
    if (action.starts) {
      // An action first seen past its root (see isActionRoot) names no root, and is not learned whole.
      if (isActionRoot(hop)) window.rootHopId = hop.id;
      return;
    }
    window.calls++;
    window.destinations = countBounded(
      window.destinations,
      this.destinationKeys.of(hop),
      destinationsTracked,
    );
    const deepest = window.deepest;
    if (
      deepest === null ||
      hop.depth > window.maxDepth ||
      (hop.depth === window.maxDepth &&
        (hop.ts < deepest.ts || (hop.ts === deepest.ts && hop.id < deepest.id)))
    ) {
      window.maxDepth = hop.depth;
      window.deepest = { ts: hop.ts, id: hop.id };
      window.deepestPath = hop.path;
    }
    if (hop.parentInferred) window.inferredEdges++;
    if (hop.originConfidence === 'partial') window.partialHops++;
    window.sample = addToSample(window.sample, hop.ts, hop.id, this.context.shared.maxSamples);
  }

  advance(watermark: number): readonly Finding[] {
    const windows = this.windows.close(watermark);
    if (windows.length === 0) return noFindings;
    const findings: Finding[] = [];
    for (const closed of windows) {
      const draft = this.judge(closed);
      if (draft !== undefined) findings.push(buildFinding(draft, this.context.now()));
    }
    return findings;
  }

  snapshot(): JsonOut<FanoutSnapshot> {
    return {
      windows: this.windows.snapshot((window) => ({
        ...window,
        destinations: countEntries(window.destinations),
        sample: sampleEntries(window.sample),
      })),
      history: this.history.snapshot((history) => history),
    };
  }

  restore(snapshot: FanoutSnapshot): void {
    this.windows.restore(snapshot.windows, (saved) => ({
      ...saved,
      destinations: countsFrom(saved.destinations),
      sample: sampleFrom(saved.sample),
    }));
    // Snapshots taken before the anchors were shared hold each detector's own: merged into the shared ones.
    if (snapshot.anchors !== undefined) this.anchors.restore(snapshot.anchors);
    this.history.restore(snapshot.history, (history) => history);
  }

  explain(hop: ResolvedHop): DetectorNote {
    const key = rootActionKey(hop);
    const open = key === undefined ? undefined : this.windows.peek(key, hop.ts);
    if (key === undefined || open === undefined) return uncountedRootAction(key, 'Fan-out counts calls');
    const config = this.context.settingsFor(hop.originCredential);
    const { acc } = open;
    return {
      counted: true,
      key: describeRootAction(key),
      window: { start: open.start, end: open.end },
      note:
        acc.rootHopId === hop.id
          ? 'It starts the root action: the calls made under it are counted, not this one.'
          : `One of the ${acc.calls} calls of this root action in the window so far.`,
      counts: {
        calls: acc.calls,
        destinations: countedKeys(acc.destinations),
        maxDescendants: config.maxDescendants,
        maxDestinations: config.maxDestinations,
      },
    };
  }

  stateSize(): number {
    return this.windows.size + this.anchors.size + this.history.size;
  }

  private judge(closed: ClosedWindow<FanoutWindow>): FindingDraft | undefined {
    const window = closed.acc;
    const config = this.context.settingsFor(window.origin);
    const overLimit = this.overLimit(closed, config);
    if (closed.start !== window.anchor) return overLimit;
    let history = this.history.touch(window.origin, closed.start);
    if (history === undefined) {
      history = emptyHistory();
      this.history.set(window.origin, history, closed.start);
    }
    const { anomalous, assessment } = assessCount(history, window.calls, config.baseline);
    // Learned only whole: not cut by the cap, and holding its root (a window reopened by late calls
    // after it was judged holds only those; a trace exported whole, late, brings its root along).
    if (!closed.partial && window.rootHopId !== null)
      recordCount(history, window.calls, config.baseline.historySize, historyEwmaAlpha);
    if (overLimit !== undefined || !anomalous || assessment === undefined) return overLimit;
    return {
      ...rootWindowDraft(this.name, 'fanout_anomaly', closed),
      baseSeverity: 'low',
      excess: assessment.robustZ / config.baseline.zThreshold,
      summary: `Origin ${window.origin} expanded one root action (trace ${window.traceId}) into ${window.calls} calls, far above its usual ${assessment.median} (robust z ${assessment.robustZ.toFixed(1)}).`,
      evidence: { ...this.evidence(closed, config), baseline: assessment },
    };
  }

  private overLimit(closed: ClosedWindow<FanoutWindow>, config: FanoutConfig): FindingDraft | undefined {
    const window = closed.acc;
    const destinations = countedKeys(window.destinations);
    if (window.calls <= config.maxDescendants && destinations <= config.maxDestinations) return undefined;
    return {
      ...rootWindowDraft(this.name, 'fanout_limit', closed),
      baseSeverity: 'medium',
      excess: Math.max(window.calls / config.maxDescendants, destinations / config.maxDestinations),
      summary: `Origin ${window.origin} expanded one root action (trace ${window.traceId}) into ${window.calls} calls to ${destinations} destination${destinations === 1 ? '' : 's'} within ${formatDuration(config.windowMs)} (limits: ${config.maxDescendants} calls, ${config.maxDestinations} destinations).`,
      evidence: this.evidence(closed, config),
    };
  }

  private evidence(closed: ClosedWindow<FanoutWindow>, config: FanoutConfig): Record<string, unknown> {
    const window = closed.acc;
    return {
      rootHopId: window.rootHopId,
      traceId: window.traceId,
      descendants: window.calls,
      distinctDestinations: countedKeys(window.destinations),
      maxDescendants: config.maxDescendants,
      maxDestinations: config.maxDestinations,
      windowMs: config.windowMs,
      topDestinations: topCounts(window.destinations, topDestinations),
      maxDepth: window.maxDepth,
      deepestPath: window.deepestPath,
      inferredEdges: window.inferredEdges,
      partialHops: window.partialHops,
      ...windowTiming(closed),
      sampleHopIds: sampleIds(window.sample),
    };
  }
}

export const fanoutDetector = detectorComponent({
  name: 'fanout',
  configKey: 'fanout',
  fields: fanoutFields,
  defaults: fanoutDefaults,
  snapshotSchema: fanoutSnapshotSchema,
  create: (context) => new FanoutDetector(context),
});
