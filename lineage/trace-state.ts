import type { HopEvent } from '../schemas/hop-event.js';
import { type PathStep, type ResolvedHop, resolvedHopOf } from '../schemas/resolved-hop.js';
import { overlapWithin } from './observations.js';
import type { ServiceNames } from './service-name.js';

export type OriginConfidence = 'exact' | 'partial';

/** What lineage keeps of one hop: enough to be a parent and to rebuild paths, never the whole HopEvent. */
export type HopNode = {
  step: PathStep;
  ts: number;
  /**
   * A hop contains the calls its destination makes while it runs (see endOf). Kept as a duration, not
   * as an end time: a whole number of milliseconds is stored inline, an epoch time boxed (16 bytes more).
   */
  durationMs: number;
  readonly spanId: string | undefined;
  /** Normalized destination service, matched against callers' workloads for inferred parenthood. */
  readonly service: string;
  /** Normalized caller workload (or agent), when known. */
  caller: string | undefined;
  /** What tells other observation points of the same request apart from other requests. */
  readonly requestId: string | undefined;
  /** The hop while its lineage is not settled: a record of the same request seen elsewhere merges into it. */
  unsettled: PendingHop | undefined;
  resolved: boolean;
  origin: string;
  confidence: OriginConfidence;
  parentId: string | undefined;
  parentInferred: boolean;
  /** The node the path goes through: the parent, or for a partial hop the trace root it was attached to. */
  pathParent: HopNode | undefined;
  root: HopNode | undefined;
  depth: number;
  /** Hops waiting for this one to be resolved before they can be. */
  waiters: PendingHop[] | undefined;
};

/** A hop that arrived but whose lineage is not settled yet. */
export type PendingHop = {
  hop: HopEvent;
  readonly node: HopNode;
  readonly trace: TraceState;
  done: boolean;
  deadlineScheduled: boolean;
};

const sessionTracePrefix = 'mcp-session:';

/** A call without trace context but in an MCP session is judged with the session's other calls. */
export function withSessionTrace(hop: HopEvent): HopEvent {
  if (hop.traceId !== undefined || hop.sessionId === undefined) return hop;
  return { ...hop, traceId: `${sessionTracePrefix}${hop.sessionId}` };
}

/** Whether a trace id is an MCP session standing in for a missing trace (see withSessionTrace). */
export function isSessionTrace(traceId: string): boolean {
  return traceId.startsWith(sessionTracePrefix);
}
/** How many of the latest hops to one service are searched for another observation of a request. */
const sameRequestReach = 64;

export function createHopNode(hop: HopEvent, names: ServiceNames): HopNode {
  const workload = hop.source.workload ?? hop.source.agent;
  return {
    step: stepOf(hop, workload),
    ts: hop.ts,
    durationMs: hop.durationMs ?? 0,
    spanId: hop.spanId,
    service: names.of(hop.destination.service),
    caller: workload === undefined ? undefined : names.of(workload),
    requestId: hop.requestId,
    unsettled: undefined,
    resolved: false,
    origin: hop.credential.id,
    confidence: 'exact',
    parentId: undefined,
    parentInferred: false,
    pathParent: undefined,
    root: undefined,
    depth: 0,
    waiters: undefined,
  };
}

function stepOf(hop: HopEvent, workload: string | undefined): PathStep {
  return { hopId: hop.id, service: hop.destination.service, workload, credential: hop.credential.id };
}

/** Points an unsettled node at its hop after another observation of the request merged into it. */
export function refreshNode(node: HopNode, hop: HopEvent, names: ServiceNames): void {
  const workload = hop.source.workload ?? hop.source.agent;
  node.step = stepOf(hop, workload);
  node.ts = hop.ts;
  node.durationMs = hop.durationMs ?? 0;
  node.caller = workload === undefined ? undefined : names.of(workload);
}

/** When the hop's call ended. */
export function endOf(node: HopNode): number {
  return node.ts + node.durationMs;
}

/** Event-time order with the hop id as tie-break: the order every lineage decision is taken in. */
export function isBefore(a: HopNode, b: HopNode): boolean {
  return a.ts < b.ts || (a.ts === b.ts && a.step.hopId < b.step.hopId);
}

/** The lookups of a trace with more than one hop. */
class TraceIndex {
  readonly nodes = new Map<string, HopNode>();
  readonly byService = new Map<string, HopNode[]>();
  spans: Map<string, HopNode> | undefined;

  add(node: HopNode): void {
    this.nodes.set(node.step.hopId, node);
    if (node.spanId !== undefined) {
      this.spans ??= new Map();
      const existing = this.spans.get(node.spanId);
      if (existing === undefined || isBefore(node, existing)) this.spans.set(node.spanId, node);
    }
    const sameService = this.byService.get(node.service);
    if (sameService === undefined) this.byService.set(node.service, [node]);
    else sameService.push(node);
  }
}

/** Traces up to this many hops are searched hop by hop; a longer one builds its Maps (TraceIndex). */
const shortTraceHops = 16;

/**
 * The hops of one trace, indexed for exact span links and for inferred parenthood. Most traces are
 * one hop or a few, and Maps are most of what a short trace weighs (three small Maps outweigh the
 * hops they index): a trace holds its first hop as it is, its first few in an array searched hop by
 * hop (grown by concat, to its exact length: push reserved 19 slots from the third hop on), and
 * builds its index past them. Collections a trace may never need (waiting hops, roots) are
 * created on first use too.
 */
export class TraceState {
  /** An MCP session standing in for a trace: its calls have no ancestors to wait for. */
  readonly session: boolean;
  private only: HopNode | undefined;
  private few: HopNode[] | undefined;
  private indexed: TraceIndex | undefined;
  /** Most hops settle as they arrive: one waiting hop is held as it is, a Set only from the second. */
  private waiting: PendingHop | Set<PendingHop> | undefined;
  /** Resolved roots: most traces have one, held as it is; an array of exact length from the second on. */
  private roots: HopNode | HopNode[] | undefined;

  constructor(readonly traceId: string) {
    this.session = isSessionTrace(traceId);
  }

  /** Hops of this trace not resolved yet. */
  get pending(): Iterable<PendingHop> {
    const waiting = this.waiting;
    return waiting === undefined ? [] : waiting instanceof Set ? waiting : [waiting];
  }

  addPending(pending: PendingHop): void {
    const waiting = this.waiting;
    if (waiting === undefined) this.waiting = pending;
    else if (waiting instanceof Set) waiting.add(pending);
    else this.waiting = new Set([waiting, pending]);
  }

  removePending(pending: PendingHop): void {
    const waiting = this.waiting;
    if (waiting === pending) this.waiting = undefined;
    else if (waiting instanceof Set) {
      waiting.delete(pending);
      if (waiting.size === 0) this.waiting = undefined;
    }
  }

  /** Indexed hops. */
  get size(): number {
    return this.indexed?.nodes.size ?? this.few?.length ?? (this.only === undefined ? 0 : 1);
  }

  node(hopId: string): HopNode | undefined {
    if (this.indexed !== undefined) return this.indexed.nodes.get(hopId);
    // Asked for every hop: a lone hop is compared as it is, without an array around it.
    if (this.only !== undefined) return this.only.step.hopId === hopId ? this.only : undefined;
    return this.few?.find((node) => node.step.hopId === hopId);
  }

  nodes(): Iterable<HopNode> {
    return this.indexed?.nodes.values() ?? this.few ?? (this.only === undefined ? [] : [this.only]);
  }

  index(node: HopNode): void {
    if (this.indexed !== undefined) this.indexed.add(node);
    else if (this.only === undefined && this.few === undefined) this.only = node;
    else if (this.few === undefined) {
      this.few = [this.only!, node];
      this.only = undefined;
    } else if (this.few.length < shortTraceHops) this.few = this.few.concat(node);
    else {
      this.indexed = new TraceIndex();
      for (const indexed of this.few) this.indexed.add(indexed);
      this.indexed.add(node);
      this.few = undefined;
    }
  }

  /** Keeps the node findable under its hop id after a merge made another observation its lead. */
  rekey(node: HopNode, previousId: string): void {
    // A short trace finds a hop by its current id already.
    if (this.indexed === undefined) return;
    this.indexed.nodes.delete(previousId);
    this.indexed.nodes.set(node.step.hopId, node);
  }

  /** Hops to `service`; for a short trace every hop, which callers check the service of. */
  private toService(service: string): readonly HopNode[] | undefined {
    if (this.indexed !== undefined) return this.indexed.byService.get(service);
    return this.few ?? (this.only?.service === service ? [this.only] : undefined);
  }

  /**
   * An earlier-seen hop of the same request as `node` at another observation point: same request id
   * and destination service, time intervals overlapping within `skewMs`. Other observation points log
   * a request moments apart, so only the latest few hops to that service are looked at.
   */
  sameRequest(node: HopNode, skewMs: number): HopNode | undefined {
    const candidates = node.requestId === undefined ? undefined : this.toService(node.service);
    if (candidates === undefined) return undefined;
    const oldest = Math.max(0, candidates.length - sameRequestReach);
    for (let index = candidates.length - 1; index >= oldest; index--) {
      const candidate = candidates[index]!;
      if (
        candidate.service === node.service &&
        candidate.requestId === node.requestId &&
        overlapWithin(candidate.ts, endOf(candidate), node.ts, endOf(node), skewMs)
      ) {
        return candidate;
      }
    }
    return undefined;
  }

  /** The earliest hop of the span (a span logged at two observation points has two). */
  bySpan(spanId: string): HopNode | undefined {
    if (this.indexed !== undefined) return this.indexed.spans?.get(spanId);
    if (this.only !== undefined) return this.only.spanId === spanId ? this.only : undefined;
    let earliest: HopNode | undefined;
    for (const node of this.few ?? [])
      if (node.spanId === spanId && (earliest === undefined || isBefore(node, earliest))) earliest = node;
    return earliest;
  }

  addRoot(node: HopNode): void {
    if (this.roots === undefined) this.roots = node;
    else if (Array.isArray(this.roots)) this.roots = this.roots.concat(node);
    else this.roots = [this.roots, node];
  }

  /** The earliest resolved root that started before `node`: what a hop with lost ancestors attaches to. */
  oldestRootBefore(node: HopNode): HopNode | undefined {
    let oldest: HopNode | undefined;
    const roots = this.roots;
    for (const root of roots === undefined ? [] : Array.isArray(roots) ? roots : [roots]) {
      if (isBefore(root, node) && (oldest === undefined || isBefore(root, oldest))) oldest = root;
    }
    return oldest;
  }

  /**
   * The earlier hop whose destination is this hop's caller and whose [start, end] contains this hop's
   * start; the tightest interval wins, then the latest start, then the smallest id. When the log
   * names no caller, the tightest earlier hop whose interval encloses this hop's whole interval.
   */
  inferParent(node: HopNode): HopNode | undefined {
    if (node.caller === undefined) return this.enclosingHop(node);
    const candidates = this.toService(node.caller);
    if (candidates === undefined) return undefined;
    let best: HopNode | undefined;
    for (const candidate of candidates) {
      if (candidate.service !== node.caller) continue;
      if (candidate === node || !isBefore(candidate, node) || endOf(candidate) < node.ts) continue;
      if (best === undefined || isTighter(candidate, best)) best = candidate;
    }
    return best;
  }

  /** Whole containment, not just the start: concurrent sibling calls overlap but rarely nest. */
  private enclosingHop(node: HopNode): HopNode | undefined {
    let best: HopNode | undefined;
    for (const candidate of this.nodes()) {
      if (candidate === node || !isBefore(candidate, node) || endOf(candidate) < endOf(node)) continue;
      if (best === undefined || isTighter(candidate, best)) best = candidate;
    }
    return best;
  }
}

function isTighter(a: HopNode, b: HopNode): boolean {
  const spanA = endOf(a) - a.ts;
  const spanB = endOf(b) - b.ts;
  if (spanA !== spanB) return spanA < spanB;
  if (a.ts !== b.ts) return a.ts > b.ts;
  return a.step.hopId < b.step.hopId;
}

/** Root → hop steps; past `maxSteps` the root is kept and the steps nearest the hop. */
export function pathOf(node: HopNode, maxSteps: number): PathStep[] {
  const steps: PathStep[] = [];
  let current: HopNode | undefined = node;
  while (current !== undefined && steps.length < maxSteps - 1) {
    steps.push(current.step);
    current = current.pathParent;
  }
  if (current !== undefined && node.root !== undefined) steps.push(node.root.step);
  return steps.reverse();
}

/** The hop with what lineage found for it (one object shape for every hop, see resolvedHopOf). */
export function resolvedHop(hop: HopEvent, node: HopNode, path: ResolvedHop['path']): ResolvedHop {
  return resolvedHopOf(hop, {
    originCredential: node.origin,
    originConfidence: node.confidence,
    parentId: node.parentId,
    parentInferred: node.parentInferred,
    depth: node.depth,
    path,
    upstream: undefined,
  });
}
