import FlatQueue from 'flatqueue';
import { IdleMap } from '../common/idle-map.js';
import { type HopEvent, isCall } from '../schemas/hop-event.js';
import type { ResolvedHop } from '../schemas/resolved-hop.js';
import type { LineageConfig } from './config.js';
import { mergeObservations, observationPoint, withPoint } from './observations.js';
import { SeenHops } from './seen-hops.js';
import { ServiceNames } from './service-name.js';
import {
  createHopNode,
  type HopNode,
  isBefore,
  isResolved,
  type PendingHop,
  pathOf,
  pendingHop,
  refreshNode,
  resolvedHop,
  stepOf,
  TraceState,
  withSessionTrace,
} from './trace-state.js';
import { UntracedRequests } from './untraced-requests.js';

/**
 * `timing`: the log names no caller, so the parent is the tightest earlier hop of the trace whose
 * time interval encloses this one: inferred, and the origin only partly sure.
 */
type ParentKind = 'exact' | 'inferred' | 'timing' | 'partial' | 'root';

/**
 * `ready`: every on-time hop that started no later than this one has arrived (watermark > ts), so
 * inferred parenthood can be decided. `deadline`: the grace for unseen ancestors is over.
 */
type Timer = { pending: PendingHop; kind: 'ready' | 'deadline' };

export type LineageCounters = {
  duplicateHops: number;
  mergedObservations: number;
  unindexedHops: number;
  evicted: number;
  expired: number;
};

export type LineageStats = {
  trackedTraces: number;
  pendingHops: number;
  evictedTraces: number;
  expiredTraces: number;
  duplicateHops: number;
  /** Records merged into a hop logged at another observation point (the other side of a sidecar pair). */
  mergedObservations: number;
  unindexedHops: number;
};

/**
 * Rebuilds who-called-whom per trace and resolves each hop's origin credential, in event time.
 * Every decision is taken when the hops it depends on are known to have arrived (the watermark has
 * passed them), so the result does not depend on arrival order within the allowed lateness.
 */
export class LineageResolver {
  private readonly traces: IdleMap<TraceState>;
  private readonly timers = new FlatQueue<Timer>();
  private readonly names = new ServiceNames();
  private readonly settled: PendingHop[] = [];
  private draining = false;
  private watermark = Number.NEGATIVE_INFINITY;
  private pendingCount = 0;
  private duplicateHops = 0;
  private mergedObservations = 0;
  private unindexedHops = 0;
  readonly seenHops: SeenHops;
  private readonly untraced: UntracedRequests;

  constructor(
    private readonly config: LineageConfig,
    private readonly emit: (hop: ResolvedHop) => void,
  ) {
    this.seenHops = new SeenHops(config.seenHopsMs, config.maxSeenHops);
    this.untraced = new UntracedRequests(this.names, config.observationSkewMs);
    this.traces = new IdleMap<TraceState>({
      idleMs: config.traceTtlMs,
      maxEntries: config.maxTraces,
      onRemove: (_traceId, trace) => this.forceResolve(trace),
    });
  }

  observe(event: HopEvent): void {
    if (this.seenHops.checkAndRemember(event.id, Math.max(this.watermark, event.ts))) {
      this.duplicateHops++;
      return;
    }
    const hop = withSessionTrace(event);
    if (hop.traceId === undefined) {
      this.observeUntraced(hop);
      return;
    }
    const trace = this.traceFor(hop.traceId, hop.ts);
    if (trace.node(hop.id) !== undefined) {
      this.duplicateHops++;
      return;
    }
    const node = createHopNode(hop, this.names);
    if (this.mergedIntoTwin(hop, node, trace)) return;
    if (trace.size < this.config.maxHopsPerTrace) trace.index(node);
    else this.unindexedHops++;
    this.track(pendingHop(hop, node, trace), true);
  }

  /**
   * A hop another instance's lineage resolved (the detect stage of a split pipeline): emitted as it is,
   * once; a copy (the stage before replayed it after a crash) is counted and dropped (false).
   */
  passThrough(hop: ResolvedHop): boolean {
    if (this.seenHops.checkAndRemember(hop.id, Math.max(this.watermark, hop.ts))) {
      this.duplicateHops++;
      return false;
    }
    this.emit(hop);
    return true;
  }

  /** Settles every hop whose decision the watermark allows, in (due, ts, id) order. */
  advance(watermark: number): void {
    if (watermark > this.watermark) this.watermark = watermark;
    for (const hop of this.untraced.release(this.watermark)) this.emitTraceless(hop);
    while (
      this.timers.length > 0 &&
      (this.timers.peekValue() ?? Number.POSITIVE_INFINITY) <= this.watermark
    ) {
      for (const timer of this.popBatch()) {
        if (!timer.pending.done) this.attempt(timer.pending, timer.kind === 'deadline');
      }
    }
    this.traces.expire(this.watermark);
    this.seenHops.expire(this.watermark);
  }

  /** End of input: every waiting hop is resolved with what is known. */
  flush(): void {
    this.advance(Number.POSITIVE_INFINITY);
  }

  stats(): LineageStats {
    return {
      trackedTraces: this.traces.size,
      pendingHops: this.pendingCount + this.untraced.size,
      evictedTraces: this.traces.evicted,
      expiredTraces: this.traces.expired,
      duplicateHops: this.duplicateHops,
      mergedObservations: this.mergedObservations,
      unindexedHops: this.unindexedHops,
    };
  }

  /** The tracked traces, least recently used first (for snapshots). */
  tracesInOrder(): IterableIterator<[string, TraceState, number]> {
    return this.traces.entries();
  }

  /** Hops without trace context waiting for other observations of their request (for snapshots). */
  untracedHops(): HopEvent[] {
    return this.untraced.held();
  }

  currentWatermark(): number {
    return this.watermark;
  }

  counters(): LineageCounters {
    return {
      duplicateHops: this.duplicateHops,
      mergedObservations: this.mergedObservations,
      unindexedHops: this.unindexedHops,
      evicted: this.traces.evicted,
      expired: this.traces.expired,
    };
  }

  /** Rebuilds state saved by `snapshotLineage` (lineage/snapshot.ts). */
  restoreState(
    watermark: number,
    counters: LineageCounters,
    traces: Array<{
      trace: TraceState;
      lastTs: number;
      pending: Array<{ hop: HopEvent; deadline: boolean }>;
    }>,
    untraced: HopEvent[],
  ): void {
    for (const hop of untraced) this.observeUntraced(hop);
    this.watermark = watermark;
    this.duplicateHops = counters.duplicateHops;
    this.mergedObservations = counters.mergedObservations;
    this.unindexedHops = counters.unindexedHops;
    this.traces.evicted = counters.evicted;
    this.traces.expired = counters.expired;
    for (const { trace, lastTs, pending } of traces) {
      this.traces.set(trace.traceId, trace, lastTs);
      for (const { hop, deadline } of pending) {
        const node = trace.node(hop.id) ?? createHopNode(hop, this.names);
        const entry = pendingHop(hop, node, trace);
        this.track(entry, false);
        if (deadline) this.scheduleDeadline(entry);
      }
    }
  }

  /**
   * Merges a record into the hop of the same request seen at another observation point, if there
   * is one. Once that hop is settled (it has gone to the detectors) the record is only counted.
   */
  private mergedIntoTwin(hop: HopEvent, node: HopNode, trace: TraceState): boolean {
    const point = observationPoint(hop);
    const twin = trace.sameRequest(node, point, this.config.observationSkewMs);
    if (twin === undefined) return false;
    this.mergedObservations++;
    twin.observers = withPoint(twin.observers, point);
    const pending = twin.unsettled;
    if (pending === undefined) return true;
    const previousId = twin.hopId;
    pending.hop = mergeObservations(pending.hop, hop);
    refreshNode(twin, pending.hop, this.names);
    if (twin.hopId !== previousId) trace.rekey(twin, previousId);
    return true;
  }

  private observeUntraced(hop: HopEvent): void {
    if (hop.requestId === undefined) this.emitTraceless(hop);
    else if (!this.untraced.hold(hop, hop.requestId)) this.mergedObservations++;
  }

  private track(pending: PendingHop, attemptNow: boolean): void {
    pending.node.unsettled = pending;
    pending.trace.addPending(pending);
    this.pendingCount++;
    if (attemptNow) this.attempt(pending, false);
    else this.timers.push({ pending, kind: 'ready' }, pending.hop.ts + 1);
  }

  private traceFor(traceId: string, ts: number): TraceState {
    const existing = this.traces.touch(traceId, ts);
    if (existing !== undefined) return existing;
    const created = new TraceState(traceId);
    this.traces.set(traceId, created, ts);
    return created;
  }

  private attempt(pending: PendingHop, force: boolean): void {
    const { hop, node, trace } = pending;
    if (hop.parentSpanId !== undefined) {
      const link = trace.bySpan(hop.parentSpanId);
      if (link !== undefined && link !== node) {
        if (isResolved(link)) this.resolve(pending, link, 'exact');
        else if (force) this.resolveAgainstRoot(pending);
        else this.waitFor(pending, link);
        return;
      }
    } else if (hop.spanId !== undefined) {
      this.resolve(pending, undefined, 'root');
      return;
    }
    if (!force && this.watermark <= hop.ts) {
      this.timers.push({ pending, kind: 'ready' }, hop.ts + 1);
      return;
    }
    const candidate = trace.inferParent(node);
    const kind = node.caller === undefined ? 'timing' : 'inferred';
    if (candidate !== undefined && isResolved(candidate)) this.resolve(pending, candidate, kind);
    else if (force) this.resolveAgainstRoot(pending);
    else if (candidate !== undefined) this.waitFor(pending, candidate);
    else if (trace.session) this.resolveAgainstRoot(pending);
    else this.scheduleDeadline(pending);
  }

  /**
   * No parent found within the grace. A hop made by the same caller (or with the same credential) as
   * an earlier root of the trace is a sibling call of that originator: a root of its own. Any other hop
   * lost its ancestors: it is attached to the trace's oldest earlier root, with partial confidence.
   */
  private resolveAgainstRoot(pending: PendingHop): void {
    const { node, trace } = pending;
    const root = trace.oldestRootBefore(node);
    // A session has no ancestors to lose: its calls belong to the task its first call began.
    if (trace.session) {
      this.resolve(pending, root, root === undefined ? 'root' : 'inferred');
      return;
    }
    const sibling = root === undefined || node.caller === root.caller || node.credential === root.credential;
    if (sibling) this.resolve(pending, undefined, 'root');
    else this.resolve(pending, root, 'partial');
  }

  /** `parent` is unresolved, so it has its pending entry (see isResolved). */
  private waitFor(pending: PendingHop, parent: HopNode): void {
    const waited = parent.unsettled!;
    if (waited.waiters === undefined) waited.waiters = [pending];
    else waited.waiters.push(pending);
    this.scheduleDeadline(pending);
  }

  private scheduleDeadline(pending: PendingHop): void {
    if (pending.deadlineScheduled) return;
    pending.deadlineScheduled = true;
    this.timers.push({ pending, kind: 'deadline' }, pending.hop.ts + this.config.graceMs + 1);
  }

  private resolve(pending: PendingHop, parent: HopNode | undefined, kind: ParentKind): void {
    this.settle(pending, parent, kind);
    // Waiters are settled from a work list, not by recursion: a runaway chain must not grow the call stack.
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.settled.length > 0) {
        const next = this.settled.pop()!;
        const waiters = next.waiters ?? [];
        next.waiters = undefined;
        for (const waiter of waiters) {
          if (!waiter.done) this.attempt(waiter, false);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private settle(pending: PendingHop, parent: HopNode | undefined, kind: ParentKind): void {
    const { hop, node, trace } = pending;
    const delegatedOrigin = hop.delegation?.[0];
    node.unsettled = undefined;
    node.pathParent = parent;
    node.root = parent?.root ?? node;
    // Depth counts calls: a step inside one process sits at its caller's depth.
    node.depth = parent === undefined ? 0 : parent.depth + (isCall(hop) ? 1 : 0);
    node.origin = delegatedOrigin ?? parent?.origin ?? hop.credential.id;
    node.confidence =
      delegatedOrigin !== undefined || parent === undefined
        ? 'exact'
        : kind === 'partial' || kind === 'timing'
          ? 'partial'
          : parent.confidence;
    // Only indexed roots can adopt hops with lost ancestors, so that a snapshot can name them.
    if (parent === undefined && trace.node(hop.id) === node) trace.addRoot(node);
    pending.done = true;
    trace.removePending(pending);
    this.pendingCount--;
    this.settled.push(pending);
    const parentId = kind === 'partial' ? undefined : parent?.hopId;
    const parentInferred = kind === 'inferred' || kind === 'timing';
    this.emit(resolvedHop(hop, node, pathOf(node, this.config.maxPathSteps), parentId, parentInferred));
  }

  private forceResolve(trace: TraceState): void {
    const waiting = [...trace.pending].sort((a, b) => (isBefore(a.node, b.node) ? -1 : 1));
    for (const pending of waiting) {
      if (!pending.done) this.attempt(pending, true);
    }
  }

  private emitTraceless(hop: HopEvent): void {
    const node = createHopNode(hop, this.names);
    node.origin = hop.delegation?.[0] ?? hop.credential.id;
    node.root = node;
    this.emit(resolvedHop(hop, node, [stepOf(node)]));
  }

  private popBatch(): Timer[] {
    const due = this.timers.peekValue();
    const batch: Timer[] = [];
    while (this.timers.length > 0 && this.timers.peekValue() === due) batch.push(this.timers.pop()!);
    if (batch.length > 1) batch.sort(compareTimers);
    return batch;
  }
}

function compareTimers(a: Timer, b: Timer): number {
  if (a.pending.node === b.pending.node) return a.kind === b.kind ? 0 : a.kind === 'ready' ? -1 : 1;
  return isBefore(a.pending.node, b.pending.node) ? -1 : 1;
}
