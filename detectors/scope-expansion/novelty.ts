import { IdleMap } from '../../common/idle-map.js';
import type { JsonOut } from '../../common/json-slices.js';
import { formatDuration } from '../../common/text.js';
import type { ResolvedHop } from '../../schemas/resolved-hop.js';
import type { FindingDraft } from '../finding.js';
import { DestinationKeys, destinationKey } from '../hop-keys.js';
import { addToSample, noSample, type Sampled, sampleIds } from '../sample.js';
import {
  entriesOf,
  keyCount,
  noKeys,
  type SmallMap,
  smallMapFrom,
  valueAt,
  withAdded,
  withoutFirst,
} from '../small-map.js';
import type { DetectorContext } from '../types.js';
import { type ClosedWindow, KeyedWindows, type WindowPlace, windowTiming } from '../window.js';
import type { ScopeExpansionConfig } from './config.js';
import type { NoveltySnapshot } from './snapshot.js';

const destinationsPerWindow = 256;
const novelShown = 20;

type Seen = { calls: number; first: Sampled; traceId: string | null; mutating: boolean };

type NoveltyWindow = WindowPlace & {
  origin: string;
  calls: number;
  firstTs: number;
  late: number;
  seen: SmallMap<Seen>;
};

/** What an origin is known to call: destination → first seen (event time). */
type OriginHistory = { since: number; calls: number; known: SmallMap<number> };

const newWindow = (): NoveltyWindow => ({
  key: '',
  start: 0,
  sizeMs: 0,
  origin: '',
  calls: 0,
  firstTs: Number.POSITIVE_INFINITY,
  late: 0,
  seen: noKeys,
});

/**
 * Destinations and tools an origin has never called before, once it has been watched for the
 * learning period. Destinations are grouped per origin and tumbling window; windows close in event
 * order, so what counts as known is the same on every replay.
 */
export class NoveltyTracker {
  private readonly windows: KeyedWindows<NoveltyWindow>;
  private readonly origins: IdleMap<OriginHistory>;
  private readonly destinationKeys = new DestinationKeys();

  constructor(private readonly context: DetectorContext<ScopeExpansionConfig>) {
    this.windows = new KeyedWindows<NoveltyWindow>(newWindow, context.windowLimit);
    const { maxTrackedKeys } = context.shared;
    this.origins = new IdleMap({ idleMs: context.config.originRetentionMs, maxEntries: maxTrackedKeys });
  }

  get size(): number {
    return this.windows.size + this.origins.size;
  }

  observe(hop: ResolvedHop, config: ScopeExpansionConfig, mutating: boolean): void {
    const window = this.windows.tumbling(hop.originCredential, hop.ts, config.noveltyWindowMs);
    window.origin = hop.originCredential;
    window.calls++;
    if (hop.ts < window.firstTs) window.firstTs = hop.ts;
    const destination = this.destinationKeys.of(hop);
    const seen = valueAt(window.seen, destination);
    if (seen !== undefined) {
      seen.calls++;
      seen.mutating ||= mutating;
      if (hop.ts < seen.first.ts || (hop.ts === seen.first.ts && hop.id < seen.first.id)) {
        seen.first = { ts: hop.ts, id: hop.id };
        seen.traceId = hop.traceId ?? null;
      }
    } else if (keyCount(window.seen) < destinationsPerWindow) {
      const first = { ts: hop.ts, id: hop.id };
      window.seen = withAdded(window.seen, destination, {
        calls: 1,
        first,
        traceId: hop.traceId ?? null,
        mutating,
      });
    }
  }

  /** Whether the hop's destination is already known for its origin, and whether the origin is still being learned. */
  describe(
    hop: ResolvedHop,
    config: ScopeExpansionConfig,
  ): { destination: string; known: boolean; learned: boolean } {
    const destination = destinationKey(hop);
    const history = this.origins.peek(hop.originCredential);
    if (history === undefined) return { destination, known: false, learned: false };
    const learned =
      hop.ts >= history.since + config.learningPeriodMs && history.calls >= config.minLearningHops;
    return { destination, known: valueAt(history.known, destination) !== undefined, learned };
  }

  close(watermark: number): FindingDraft[] {
    const drafts: FindingDraft[] = [];
    for (const closed of this.windows.close(watermark)) {
      const draft = this.learn(closed);
      if (draft !== undefined) drafts.push(draft);
    }
    this.origins.expire(watermark);
    return drafts;
  }

  snapshot(): JsonOut<NoveltySnapshot> {
    return {
      windows: this.windows.snapshot((window) => ({ ...window, seen: entriesOf(window.seen) })),
      origins: this.origins.snapshot((history) => ({ ...history, known: entriesOf(history.known) })),
    };
  }

  restore(snapshot: NoveltySnapshot): void {
    this.windows.restore(snapshot.windows, (saved) => ({ ...saved, seen: smallMapFrom(saved.seen) }));
    this.origins.restore(snapshot.origins, (saved) => ({ ...saved, known: smallMapFrom(saved.known) }));
  }

  private learn(closed: ClosedWindow<NoveltyWindow>): FindingDraft | undefined {
    const window = closed.acc;
    const config = this.context.settingsFor(window.origin);
    let history = this.origins.touch(window.origin, closed.end);
    if (history === undefined) {
      history = { since: window.firstTs, calls: 0, known: noKeys };
      this.origins.set(window.origin, history, closed.end);
    }
    const learned =
      closed.start >= history.since + config.learningPeriodMs && history.calls >= config.minLearningHops;
    const novel: Array<[string, Seen]> = [];
    for (const [destination, seen] of entriesOf(window.seen)) {
      if (valueAt(history.known, destination) !== undefined) continue;
      if (learned) novel.push([destination, seen]);
      history.known = remember(history.known, destination, seen.first.ts, config.maxKnownDestinations);
    }
    history.calls += window.calls;
    if (novel.length === 0) return undefined;
    return noveltyDraft(closed, history, novel, config, this.context.shared.maxSamples);
  }
}

/** `known` with `destination` added; past `limit` destinations, the one learned first is forgotten. */
function remember(known: SmallMap<number>, destination: string, ts: number, limit: number): SmallMap<number> {
  const added = withAdded(known, destination, ts);
  return keyCount(added) > limit ? withoutFirst(added) : added;
}

function noveltyDraft(
  closed: ClosedWindow<NoveltyWindow>,
  history: OriginHistory,
  novel: Array<[string, Seen]>,
  config: ScopeExpansionConfig,
  maxSamples: number,
): FindingDraft {
  novel.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  let sample = noSample;
  for (const [, seen] of novel) sample = addToSample(sample, seen.first.ts, seen.first.id, maxSamples);
  const mutating = novel.some(([, seen]) => seen.mutating);
  const names = novel.slice(0, 5).map(([destination]) => destination);
  const watched = formatDuration(Math.max(0, closed.start - history.since));
  return {
    detector: 'scope_expansion',
    rule: 'novel_destination',
    key: closed.acc.origin,
    baseSeverity: mutating ? 'medium' : 'low',
    excess: novel.length,
    originCredential: closed.acc.origin,
    traceIds: [...new Set(novel.map(([, seen]) => seen.traceId).filter((id) => id !== null))].slice(
      0,
      maxSamples,
    ),
    windowStart: closed.start,
    windowEnd: closed.end,
    summary: `Origin ${closed.acc.origin} called ${novel.length} destination(s) never seen in ${watched} of its history: ${names.join(', ')}${novel.length > names.length ? ', …' : ''}.`,
    evidence: {
      novelDestinations: novel.slice(0, novelShown).map(([destination, seen]) => ({
        destination,
        calls: seen.calls,
        firstHopId: seen.first.id,
        mutating: seen.mutating,
      })),
      novelCount: novel.length,
      knownDestinations: keyCount(history.known) - novel.length,
      observedSince: history.since,
      learningPeriodMs: config.learningPeriodMs,
      ...windowTiming(closed),
      sampleHopIds: sampleIds(sample),
    },
  };
}
