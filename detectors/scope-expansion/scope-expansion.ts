import { GlobCache, type GlobSet } from '../../common/glob.js';
import { IdleMap } from '../../common/idle-map.js';
import type { JsonOut } from '../../common/json-slices.js';
import type { Finding } from '../../schemas/finding.js';
import type { PathStep, ResolvedHop } from '../../schemas/resolved-hop.js';
import { detectorComponent, type RestorableDetector } from '../component.js';
import { buildFinding, type FindingDraft, rootWindowDraft } from '../finding.js';
import { describeRootAction, isActionRoot, rootActionKey, rootAnchorIdleWindows } from '../hop-keys.js';
import {
  countBounded,
  countEntries,
  countsFrom,
  type KeyCounts,
  noCounts,
  topCounts,
} from '../key-counts.js';
import type { RootAnchors } from '../root-actions.js';
import { addToSample, noSample, type Sample, sampleEntries, sampleFrom, sampleIds } from '../sample.js';
import { type DetectorContext, type DetectorNote, noFindings } from '../types.js';
import { type ClosedWindow, KeyedWindows, type WindowPlace, windowTiming } from '../window.js';
import { type ScopeExpansionConfig, scopeExpansionDefaults, scopeExpansionFields } from './config.js';
import { NoveltyTracker } from './novelty.js';
import { type SavedRule, type ScopeSnapshot, scopeExpansionSnapshotSchema } from './snapshot.js';

const tracked = 64;
const shown = 20;

/** What the root hop of an action was granted. `judged`: its scope list is authoritative. */
type RootGrant = ScopeSnapshot['grants']['entries'][number][1];

type Example = { ts: number; id: string; credential: string; path: PathStep[] };

/** One rule's observations in one window of one root action. */
type RuleWindow = {
  hops: number;
  example: Example | null;
  /** Gained scopes, or mutating methods / tools. */
  items: KeyCounts;
  credentials: KeyCounts;
  succeeded: number;
  inferredEdges: number;
  partialHops: number;
  sample: Sample;
};

type ScopeWindow = WindowPlace & {
  origin: string;
  traceId: string;
  late: number;
  gain: RuleWindow;
  write: RuleWindow;
};

const newRule = (): RuleWindow => ({
  hops: 0,
  example: null,
  items: noCounts,
  credentials: noCounts,
  succeeded: 0,
  inferredEdges: 0,
  partialHops: 0,
  sample: noSample,
});
const newWindow = (): ScopeWindow => ({
  key: '',
  start: 0,
  sizeMs: 0,
  origin: '',
  traceId: '',
  late: 0,
  gain: newRule(),
  write: newRule(),
});

/**
 * Privilege gained along a chain (hop scopes the root never had), mutating calls under a read-only
 * origin, and destinations an origin has never called before.
 */
class ScopeExpansionDetector implements RestorableDetector<ScopeSnapshot> {
  readonly name = 'scope_expansion' as const;
  private readonly windows: KeyedWindows<ScopeWindow>;
  private readonly anchors: RootAnchors;
  private readonly grants: IdleMap<RootGrant>;
  private readonly novelty: NoveltyTracker;
  private readonly readScopes = new GlobCache(true);
  private readonly mutatingTools = new GlobCache(true);
  private readonly mutatingMethods = new WeakMap<readonly string[], Set<string>>();

  constructor(private readonly context: DetectorContext<ScopeExpansionConfig>) {
    this.windows = new KeyedWindows<ScopeWindow>(newWindow, context.windowLimit);
    const { maxTrackedKeys } = context.shared;
    const idleMs = context.config.windowMs * rootAnchorIdleWindows;
    this.anchors = context.rootAnchors.require(idleMs);
    this.grants = new IdleMap({ idleMs, maxEntries: maxTrackedKeys });
    this.novelty = new NoveltyTracker(context);
  }

  observe(hop: ResolvedHop): void {
    const config = this.context.settingsFor(hop.originCredential);
    const mutating = this.isMutating(hop, config);
    this.novelty.observe(hop, config, mutating);
    const root = this.anchors.anchorOf(hop);
    if (root === undefined) return;
    if (root.starts) this.grants.set(root.key, this.grantOf(hop, config), hop.ts);
    const grant = this.grants.touch(root.key, hop.ts);
    if (grant === undefined) return;
    const gained =
      root.starts || !grant.judged ? noScopes : gainedScopes(hop.credential.scopes, grant.scopes);
    const writes = grant.readOnly && mutating;
    if (gained.length === 0 && !writes) return;
    const window = this.windows.tumbling(root.key, hop.ts, config.windowMs, root.anchor);
    window.origin = hop.originCredential;
    window.traceId = hop.traceId ?? '';
    for (const scope of gained) window.gain.items = countBounded(window.gain.items, scope, tracked);
    if (gained.length > 0) this.record(window.gain, hop);
    if (writes) {
      window.write.items = countBounded(
        window.write.items,
        hop.destination.tool ?? hop.destination.method,
        tracked,
      );
      this.record(window.write, hop);
    }
  }

  advance(watermark: number): readonly Finding[] {
    const drafts: FindingDraft[] = [];
    for (const closed of this.windows.close(watermark)) {
      const grant = this.grants.peek(closed.key);
      const config = this.context.settingsFor(closed.acc.origin);
      const readScopes = this.readScopes.get(config.readScopePatterns);
      if (closed.acc.gain.hops > 0) drafts.push(gainDraft(closed, grant, readScopes));
      if (closed.acc.write.hops > 0) drafts.push(writeDraft(closed, grant));
    }
    drafts.push(...this.novelty.close(watermark));
    this.grants.expire(watermark);
    if (drafts.length === 0) return noFindings;
    const detectedAt = this.context.now();
    return drafts.map((draft) => buildFinding(draft, detectedAt));
  }

  snapshot(): JsonOut<ScopeSnapshot> {
    return {
      windows: this.windows.snapshot((window) => ({
        ...window,
        gain: saveRule(window.gain),
        write: saveRule(window.write),
      })),
      grants: this.grants.snapshot((grant) => grant),
      novelty: this.novelty.snapshot(),
    };
  }

  restore(snapshot: ScopeSnapshot): void {
    this.windows.restore(snapshot.windows, (saved) => ({
      ...saved,
      gain: loadRule(saved.gain),
      write: loadRule(saved.write),
    }));
    // Snapshots taken before the anchors were shared hold each detector's own: merged into the shared ones.
    if (snapshot.anchors !== undefined) this.anchors.restore(snapshot.anchors);
    this.grants.restore(snapshot.grants, (grant) => grant);
    this.novelty.restore(snapshot.novelty);
  }

  explain(hop: ResolvedHop): DetectorNote {
    const config = this.context.settingsFor(hop.originCredential);
    const mutating = this.isMutating(hop, config);
    const novelty = this.novelty.describe(hop, config);
    const destination = novelty.known
      ? `${novelty.destination} is known for this origin`
      : novelty.learned
        ? `${novelty.destination} is new for this origin`
        : `${novelty.destination} is being learned (origin still in its learning period)`;
    const key = rootActionKey(hop);
    const grant = key === undefined ? undefined : this.grants.peek(key);
    if (key === undefined || grant === undefined) {
      return {
        counted: true,
        key: hop.originCredential,
        note: `No root grant to compare with (no trace); ${destination}.`,
        counts: { mutating, novelDestination: !novelty.known && novelty.learned },
      };
    }
    const gained = grant.judged ? gainedScopes(hop.credential.scopes, grant.scopes) : noScopes;
    const open = this.windows.peek(key, hop.ts);
    return {
      counted: true,
      key: describeRootAction(key),
      ...(open === undefined ? {} : { window: { start: open.start, end: open.end } }),
      note:
        `Origin granted ${grant.scopes.length === 0 ? 'no scopes' : grant.scopes.join(' ')}` +
        `${grant.readOnly ? ' (read only)' : ''}; this hop ${gained.length === 0 ? 'gains no scope' : `gains ${gained.join(' ')}`}` +
        `${mutating ? ' and mutates' : ''}; ${destination}.`,
      counts: {
        grantedScopes: grant.scopes,
        readOnlyOrigin: grant.readOnly,
        gainedScopes: gained,
        mutating,
        writeUnderReadOnly: grant.readOnly && mutating,
        novelDestination: !novelty.known && novelty.learned,
      },
    };
  }

  stateSize(): number {
    return this.windows.size + this.anchors.size + this.grants.size + this.novelty.size;
  }

  /**
   * What the hop that starts an action grants it. Only the action's root speaks for the origin: a later
   * hop's token may be narrower than the root's, and taking it as the grant would flag every wider call
   * after it, so an action first seen past its root (see isActionRoot) is not judged.
   */
  private grantOf(first: ResolvedHop, config: ScopeExpansionConfig): RootGrant {
    const { scopes, kind } = first.credential;
    if (!isActionRoot(first)) return { scopes, judged: false, readOnly: false };
    const readScopes = this.readScopes.get(config.readScopePatterns);
    return {
      scopes,
      judged: scopes.length > 0 || config.scopedCredentialKinds.includes(kind),
      readOnly: scopes.length > 0 && scopes.every((scope) => readScopes.matches(scope)),
    };
  }

  private isMutating(hop: ResolvedHop, config: ScopeExpansionConfig): boolean {
    const { tool, method, protocol } = hop.destination;
    if (tool !== undefined && this.mutatingTools.get(config.mutatingTools).matches(tool)) return true;
    if (protocol !== 'http') return false;
    let methods = this.mutatingMethods.get(config.mutatingMethods);
    if (methods === undefined) {
      methods = new Set(config.mutatingMethods.map((name) => name.toUpperCase()));
      this.mutatingMethods.set(config.mutatingMethods, methods);
    }
    return methods.has(method.toUpperCase());
  }

  private record(rule: RuleWindow, hop: ResolvedHop): void {
    rule.hops++;
    rule.credentials = countBounded(rule.credentials, hop.credential.id, tracked);
    if (hop.status < 400) rule.succeeded++;
    if (hop.parentInferred) rule.inferredEdges++;
    if (hop.originConfidence === 'partial') rule.partialHops++;
    rule.sample = addToSample(rule.sample, hop.ts, hop.id, this.context.shared.maxSamples);
    const example = rule.example;
    if (example === null || hop.ts < example.ts || (hop.ts === example.ts && hop.id < example.id)) {
      rule.example = { ts: hop.ts, id: hop.id, credential: hop.credential.id, path: hop.path };
    }
  }
}

/** Nothing gained: one array for every hop that gains nothing (almost all of them). */
const noScopes: readonly string[] = Object.freeze([]);

function gainedScopes(scopes: readonly string[], granted: readonly string[]): readonly string[] {
  let gained: string[] | undefined;
  for (const scope of scopes) {
    if (granted.includes(scope)) continue;
    if (gained === undefined) gained = [scope];
    else gained.push(scope);
  }
  return gained ?? noScopes;
}

function ruleEvidence(closed: ClosedWindow<ScopeWindow>, rule: RuleWindow, grant: RootGrant | undefined) {
  return {
    traceId: closed.acc.traceId,
    originScopes: grant?.scopes.slice(0, shown) ?? [],
    hops: rule.hops,
    succeeded: rule.succeeded,
    credentials: topCounts(rule.credentials, shown),
    path: rule.example?.path ?? [],
    inferredEdges: rule.inferredEdges,
    partialHops: rule.partialHops,
    ...windowTiming(closed),
    sampleHopIds: sampleIds(rule.sample),
  };
}

function gainDraft(
  closed: ClosedWindow<ScopeWindow>,
  grant: RootGrant | undefined,
  readScopes: GlobSet,
): FindingDraft {
  const { gain, origin, traceId } = closed.acc;
  const scopes = countEntries(gain.items)
    .map(([scope]) => scope)
    .sort();
  const credential = gain.example?.credential;
  // Gaining anything beyond read access weighs double.
  const writeGained = scopes.some((scope) => !readScopes.matches(scope));
  return {
    ...rootWindowDraft('scope_expansion', 'privilege_gain', closed),
    credential,
    baseSeverity: 'high',
    excess: scopes.length * (writeGained ? 2 : 1),
    summary: `Credential ${credential} held scopes ${scopes.slice(0, 5).join(', ')} that origin ${origin} was never granted, on ${gain.hops} hop(s) of trace ${traceId}.`,
    evidence: { ...ruleEvidence(closed, gain, grant), gainedScopes: topCounts(gain.items, shown) },
  };
}

function writeDraft(closed: ClosedWindow<ScopeWindow>, grant: RootGrant | undefined): FindingDraft {
  const { write, origin, traceId } = closed.acc;
  const calls = topCounts(write.items, shown);
  return {
    ...rootWindowDraft('scope_expansion', 'write_under_read_only', closed),
    credential: write.example?.credential,
    baseSeverity: write.succeeded > 0 ? 'high' : 'medium',
    excess: write.hops,
    summary: `Origin ${origin}, granted only read scopes, made ${write.hops} mutating call(s) (${calls.map((call) => call.key).join(', ')}) in trace ${traceId}, ${write.succeeded} of them accepted.`,
    evidence: { ...ruleEvidence(closed, write, grant), mutatingCalls: calls },
  };
}

function saveRule(rule: RuleWindow): JsonOut<SavedRule> {
  return {
    ...rule,
    items: countEntries(rule.items),
    credentials: countEntries(rule.credentials),
    sample: sampleEntries(rule.sample),
  };
}

function loadRule(saved: SavedRule): RuleWindow {
  return {
    ...saved,
    items: countsFrom(saved.items),
    credentials: countsFrom(saved.credentials),
    sample: sampleFrom(saved.sample),
  };
}

export const scopeExpansionDetector = detectorComponent({
  name: 'scope_expansion',
  configKey: 'scopeExpansion',
  fields: scopeExpansionFields,
  defaults: scopeExpansionDefaults,
  snapshotSchema: scopeExpansionSnapshotSchema,
  create: (context) => new ScopeExpansionDetector(context),
});
