import { GlobCache, type GlobSet } from '../../common/glob.js';
import type { JsonOut } from '../../common/json-slices.js';
import { formatDuration } from '../../common/text.js';
import { ServiceNames, serviceName } from '../../lineage/service-name.js';
import type { Finding } from '../../schemas/finding.js';
import type { PathStep, ResolvedHop } from '../../schemas/resolved-hop.js';
import { detectorComponent, type RestorableDetector } from '../component.js';
import { buildFinding, type FindingDraft } from '../finding.js';
import {
  CallKeys,
  callKey,
  describeRootAction,
  rootActionKey,
  rootAnchorIdleWindows,
  uncountedRootAction,
} from '../hop-keys.js';
import {
  countBounded,
  countEntries,
  countOf,
  countsFrom,
  type KeyCounts,
  maxCount,
  noCounts,
  topCounts,
} from '../key-counts.js';
import type { RootAnchors } from '../root-actions.js';
import { addToSample, noSample, type Sample, sampleEntries, sampleFrom, sampleIds } from '../sample.js';
import { type DetectorContext, type DetectorNote, noFindings } from '../types.js';
import { type ClosedWindow, KeyedWindows, type WindowPlace, windowTiming } from '../window.js';
import { type RecursionConfig, recursionDefaults, recursionFields } from './config.js';
import { type RecursionSnapshot, recursionSnapshotSchema } from './snapshot.js';

const callsTracked = 256;
const topCalls = 5;

/** The earliest hop (by event time, then id) showing a rule, with its path. */
type Example = { ts: number; id: string; path: PathStep[]; detail: string };

type RecursionWindow = WindowPlace & {
  origin: string;
  traceId: string;
  cycleHops: number;
  cycle: Example | null;
  maxDepth: number;
  deepest: Example | null;
  calls: KeyCounts;
  /** Among the hops showing a cycle or excess depth: parents inferred from timing, origins only partly known. */
  inferredEdges: number;
  partialHops: number;
  late: number;
  sample: Sample;
};

const newWindow = (): RecursionWindow => ({
  key: '',
  start: 0,
  sizeMs: 0,
  origin: '',
  traceId: '',
  cycleHops: 0,
  cycle: null,
  maxDepth: 0,
  deepest: null,
  calls: noCounts,
  inferredEdges: 0,
  partialHops: 0,
  late: 0,
  sample: noSample,
});

/** Cycles on the root → hop path, chains deeper than the limit and the same call repeated under one root. */
class RecursionDetector implements RestorableDetector<RecursionSnapshot> {
  readonly name = 'recursion' as const;
  private readonly windows: KeyedWindows<RecursionWindow>;
  private readonly anchors: RootAnchors;
  private readonly passThrough = new GlobCache(true, serviceName);
  private readonly names = new ServiceNames();
  private readonly callKeys = new CallKeys();

  constructor(private readonly context: DetectorContext<RecursionConfig>) {
    this.windows = new KeyedWindows<RecursionWindow>(newWindow, context.windowLimit);
    this.anchors = context.rootAnchors.require(context.config.windowMs * rootAnchorIdleWindows);
  }

  observe(hop: ResolvedHop): void {
    const config = this.context.settingsFor(hop.originCredential);
    const action = this.anchors.windowOf(this.windows, hop, config.windowMs);
    if (action === undefined) return;
    const { window } = action;
    window.calls = countBounded(window.calls, this.callKeys.of(hop), callsTracked);
    const repeated = repeatedService(hop.path, this.passThrough.get(config.passThroughServices), this.names);
    if (repeated !== undefined) {
      window.cycleHops++;
      window.cycle = earliest(window.cycle, hop, repeated);
    }
    if (hop.depth > config.maxDepth) {
      if (hop.depth > window.maxDepth) window.deepest = null;
      if (hop.depth >= window.maxDepth) window.deepest = earliest(window.deepest, hop, `depth ${hop.depth}`);
      window.maxDepth = Math.max(window.maxDepth, hop.depth);
    }
    if (repeated !== undefined || hop.depth > config.maxDepth) {
      if (hop.parentInferred) window.inferredEdges++;
      if (hop.originConfidence === 'partial') window.partialHops++;
      window.sample = addToSample(window.sample, hop.ts, hop.id, this.context.shared.maxSamples);
    }
  }

  advance(watermark: number): readonly Finding[] {
    const windows = this.windows.close(watermark);
    if (windows.length === 0) return noFindings;
    const findings: Finding[] = [];
    for (const closed of windows) {
      for (const draft of this.judge(closed)) findings.push(buildFinding(draft, this.context.now()));
    }
    return findings;
  }

  snapshot(): JsonOut<RecursionSnapshot> {
    return {
      windows: this.windows.snapshot((window) => ({
        ...window,
        calls: countEntries(window.calls),
        sample: sampleEntries(window.sample),
      })),
    };
  }

  restore(snapshot: RecursionSnapshot): void {
    this.windows.restore(snapshot.windows, (saved) => ({
      ...saved,
      calls: countsFrom(saved.calls),
      sample: sampleFrom(saved.sample),
    }));
    // Snapshots taken before the anchors were shared hold each detector's own: merged into the shared ones.
    if (snapshot.anchors !== undefined) this.anchors.restore(snapshot.anchors);
  }

  explain(hop: ResolvedHop): DetectorNote {
    const key = rootActionKey(hop);
    const open = key === undefined ? undefined : this.windows.peek(key, hop.ts);
    if (key === undefined || open === undefined) return uncountedRootAction(key, 'Recursion judges paths');
    const config = this.context.settingsFor(hop.originCredential);
    const repeated = repeatedService(hop.path, this.passThrough.get(config.passThroughServices), this.names);
    const call = callKey(hop);
    const facts = [
      repeated === undefined ? 'its path has no cycle' : `its path returns to ${repeated}`,
      `depth ${hop.depth} (limit ${config.maxDepth})`,
      `its call made ${countOf(open.acc.calls, call) ?? 0} time(s) under this root so far (limit ${config.maxRepeats})`,
    ];
    return {
      counted: true,
      key: describeRootAction(key),
      window: { start: open.start, end: open.end },
      note: `${facts.join('; ')}.`,
      counts: {
        depth: hop.depth,
        maxDepth: config.maxDepth,
        cycleTo: repeated ?? null,
        call,
        callRepeats: countOf(open.acc.calls, call) ?? 0,
        maxRepeats: config.maxRepeats,
        cycleHopsInWindow: open.acc.cycleHops,
      },
    };
  }

  stateSize(): number {
    return this.windows.size + this.anchors.size;
  }

  /** Most windows break no rule: nothing is built for them. */
  private judge(closed: ClosedWindow<RecursionWindow>): FindingDraft[] {
    const window = closed.acc;
    const config = this.context.settingsFor(window.origin);
    const rules = [cycleRule(window, config), depthRule(window, config), repeatRule(window, config)];
    if (rules.every((rule) => rule === undefined)) return [];
    const base = {
      detector: this.name,
      key: closed.key,
      originCredential: window.origin,
      traceIds: [window.traceId],
      windowStart: closed.start,
      windowEnd: closed.end,
    };
    const shared = {
      traceId: window.traceId,
      windowMs: config.windowMs,
      inferredEdges: window.inferredEdges,
      partialHops: window.partialHops,
      ...windowTiming(closed),
      sampleHopIds: sampleIds(window.sample),
    };
    const drafts: FindingDraft[] = [];
    for (const rule of rules) {
      if (rule !== undefined) drafts.push({ ...base, ...rule, evidence: { ...shared, ...rule.evidence } });
    }
    return drafts;
  }
}

type RuleOutcome = Pick<FindingDraft, 'rule' | 'baseSeverity' | 'excess' | 'summary' | 'evidence'>;

function cycleRule(window: RecursionWindow, config: RecursionConfig): RuleOutcome | undefined {
  if (window.cycle === null) return undefined;
  return {
    rule: 'cycle',
    baseSeverity: 'high',
    excess: Math.max(1, window.cycleHops / 2),
    summary: `Origin ${window.origin} looped back to ${window.cycle.detail} within one root action (trace ${window.traceId}), ${window.cycleHops} times in ${formatDuration(config.windowMs)}.`,
    evidence: { cycleHops: window.cycleHops, repeatedService: window.cycle.detail, path: window.cycle.path },
  };
}

function depthRule(window: RecursionWindow, config: RecursionConfig): RuleOutcome | undefined {
  if (window.deepest === null) return undefined;
  return {
    rule: 'depth',
    baseSeverity: 'medium',
    excess: window.maxDepth / config.maxDepth,
    summary: `Origin ${window.origin} drove a call chain ${window.maxDepth} hops deep (limit ${config.maxDepth}) in trace ${window.traceId}.`,
    evidence: { depth: window.maxDepth, maxDepth: config.maxDepth, path: window.deepest.path },
  };
}

function repeatRule(window: RecursionWindow, config: RecursionConfig): RuleOutcome | undefined {
  if (maxCount(window.calls) <= config.maxRepeats) return undefined;
  const top = topCounts(window.calls, topCalls);
  const worst = top[0]!;
  return {
    rule: 'repeat',
    baseSeverity: 'medium',
    excess: worst.count / config.maxRepeats,
    summary: `Origin ${window.origin} repeated the call ${worst.key} ${worst.count} times under one root action (trace ${window.traceId}) within ${formatDuration(config.windowMs)} (limit ${config.maxRepeats}).`,
    evidence: { repeatedCalls: top, maxRepeats: config.maxRepeats },
  };
}

/**
 * The service the hop's call returns to, when it already appears earlier on the path (A → B → A),
 * or is the caller itself (a self-call). The path's agents are its first caller and every destination.
 * A step to the same service as the step before it is that same call logged again, at its other end
 * (client and server spans) or at another layer (an MCP tools/call span around its HTTP request).
 */
function repeatedService(
  path: readonly PathStep[],
  passThrough: GlobSet,
  names: ServiceNames,
): string | undefined {
  const last = path[path.length - 1];
  if (last === undefined) return undefined;
  const target = names.of(last.service);
  if (passThrough.matches(target)) return undefined;
  if (last.workload !== undefined && names.of(last.workload) === target) return target;
  const previous = path[path.length - 2];
  if (previous !== undefined && names.of(previous.service) === target) return undefined;
  const first = path[0];
  if (first?.workload !== undefined && names.of(first.workload) === target) return target;
  for (let index = 0; index < path.length - 2; index++) {
    if (names.of(path[index]!.service) === target) return target;
  }
  return undefined;
}

function earliest(current: Example | null, hop: ResolvedHop, detail: string): Example {
  if (current !== null && (current.ts < hop.ts || (current.ts === hop.ts && current.id <= hop.id)))
    return current;
  return { ts: hop.ts, id: hop.id, path: hop.path, detail };
}

export const recursionDetector = detectorComponent({
  name: 'recursion',
  configKey: 'recursion',
  fields: recursionFields,
  defaults: recursionDefaults,
  snapshotSchema: recursionSnapshotSchema,
  create: (context) => new RecursionDetector(context),
});
