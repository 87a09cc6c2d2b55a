import { appended } from '../common/exact-array.js';
import { callerOf, type HopEvent } from '../schemas/hop-event.js';
import { type PathStep, type ResolvedHop, resolvedHopOf } from '../schemas/resolved-hop.js';
import { loggedAt, type ObservationPoints, observationPoint, overlapWithin } from './observations.js';
import type { ServiceNames } from './service-name.js';

export type OriginConfidence = 'exact' | 'partial';

/** What lineage keeps of one hop: enough to be a parent and to rebuild paths, never the whole HopEvent. */
export type HopNode = {
  /**
   * What the node's path step shows (see stepOf): the hop's id, its destination service and caller
   * workload as logged, and its credential. Held as fields, the step built when a path is: an object
   * per settled hop weighed 56 bytes, and most are never in another hop's path.
   */
  hopId: string;
  loggedService: string;
  loggedWorkload: string | undefined;
  credential: string;
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
  /**
   * Where the hop was logged. A record of the same request id from a point already among these is
   * another request: one proxy logs a request once, and a caller may send one id many times.
   */
  observers: ObservationPoints;
  /**
   * The hop while its lineage is not settled (see isResolved): a record of the same request seen
   * elsewhere merges into it. What only an unsettled hop needs lives there, not on every node.
   */
  unsettled: PendingHop | undefined;
  origin: string;
  confidence: OriginConfidence;
  /** The node the path goes through: the parent, or for a partial hop the trace root it was attached to. */
  pathParent: HopNode | undefined;
  root: HopNode | undefined;
  depth: number;
};

/** A hop that arrived but whose lineage is not settled yet. */
export type PendingHop = {
  hop: HopEvent;
  readonly node: HopNode;
  readonly trace: TraceState;
  done: boolean;
  deadlineScheduled: boolean;
  /** Hops waiting for this one to be resolved before they can be. */
  waiters: PendingHop[] | undefined;
};

/** A hop of `trace` starting to wait for its lineage: not settled, no deadline, nobody waiting on it. */
export function pendingHop(hop: HopEvent, node: HopNode, trace: TraceState): PendingHop {
  return { hop, node, trace, done: false, deadlineScheduled: false, waiters: undefined };
}

/** Whether the node's lineage is settled: it is indexed, and no longer waits (see `unsettled`). */
export function isResolved(node: HopNode): boolean {
  return node.unsettled === undefined;
}

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
  const workload = callerOf(hop.source);
  return {
    hopId: hop.id,
    loggedService: hop.destination.service,
    loggedWorkload: workload,
    credential: hop.credential.id,
    ts: hop.ts,
    durationMs: hop.durationMs ?? 0,
    spanId: hop.spanId,
    service: names.of(hop.destination.service),
    caller: workload === undefined ? undefined : names.of(workload),
    requestId: hop.requestId,
    observers: observationPoint(hop),
    unsettled: undefined,
    origin: hop.credential.id,
    confidence: 'exact',
    pathParent: undefined,
    root: undefined,
    depth: 0,
  };
}

/** The node as a step of a resolved hop's path. */
export function stepOf(node: HopNode): PathStep {
  return {
    hopId: node.hopId,
    service: node.loggedService,
    workload: node.loggedWorkload,
    credential: node.credential,
  };
}

/**
 * Points an unsettled node at its hop after another observation of the request merged into it: what
 * createHopNode reads off a hop, taken from a node made of it (merges are rare; the node's lineage
 * and its place in the trace stay).
 */
export function refreshNode(node: HopNode, hop: HopEvent, names: ServiceNames): void {
  const { hopId, loggedService, loggedWorkload, credential, ts, durationMs, caller } = createHopNode(
    hop,
    names,
  );
  Object.assign(node, { hopId, loggedService, loggedWorkload, credential, ts, durationMs, caller });
}

/** When the hop's call ended. */
export function endOf(node: HopNode): number {
  return node.ts + node.durationMs;
}

/** Event-time order with the hop id as tie-break: the order every lineage decision is taken in. */
export function isBefore(a: HopNode, b: HopNode): boolean {
  return a.ts < b.ts || (a.ts === b.ts && a.hopId < b.hopId);
}

/** The lookups of a trace past its first few hops. */
class TraceIndex {
  readonly nodes = new Map<string, HopNode>();
  readonly byService = new Map<string, HopNode[]>();
  spans: Map<string, HopNode> | undefined;
  /** Resolved roots, which hops with lost ancestors attach to (a short trace finds them hop by hop). */
  readonly roots: HopNode[] = [];

  add(node: HopNode): void {
    this.nodes.set(node.hopId, node);
    if (node.spanId !== undefined) {
      this.spans ??= new Map();
      const existing = this.spans.get(node.spanId);
      if (existing === undefined || isBefore(node, existing)) this.spans.set(node.spanId, node);
    }
    const sameService = this.byService.get(node.service);
    if (sameService === undefined) this.byService.set(node.service, [node]);
    else sameService.push(node);
    if (isRoot(node)) this.roots.push(node);
  }
}

/** Settled as a root of its trace: lineage sets `root` when it settles a hop, to the hop itself when it has no parent. */
function isRoot(node: HopNode): boolean {
  return node.root === node;
}

/** Traces up to this many hops are searched hop by hop; a longer one builds its Maps (TraceIndex). */
const shortTraceHops = 16;

/**
 * The hops of one trace, indexed for exact span links and for inferred parenthood. Most traces are
 * one hop or a few, and what a trace weighs is paid a million times over: a trace holds its first hop
 * as it is, its first few in an array searched hop by hop (grown by `appended`, to its exact length: push
 * reserved 19 slots from the third hop on), and builds its index past them. Waiting hops, like the
 * index, are held only while there are any.
 */
export class TraceState {
  /** One hop, a few searched hop by hop, or the index of a longer trace. */
  private hops: HopNode | HopNode[] | TraceIndex | undefined;
  /** Most hops settle as they arrive: one waiting hop is held as it is, a Set only from the second. */
  private waiting: PendingHop | Set<PendingHop> | undefined;

  constructor(readonly traceId: string) {}

  /** An MCP session standing in for a trace: its calls have no ancestors to wait for. */
  get session(): boolean {
    return isSessionTrace(this.traceId);
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
    const hops = this.hops;
    if (hops === undefined) return 0;
    if (hops instanceof TraceIndex) return hops.nodes.size;
    return Array.isArray(hops) ? hops.length : 1;
  }

  node(hopId: string): HopNode | undefined {
    const hops = this.hops;
    if (hops === undefined) return undefined;
    if (hops instanceof TraceIndex) return hops.nodes.get(hopId);
    // Asked for every hop: a lone hop is compared as it is, without an array around it.
    if (!Array.isArray(hops)) return hops.hopId === hopId ? hops : undefined;
    return hops.find((node) => node.hopId === hopId);
  }

  nodes(): Iterable<HopNode> {
    const hops = this.hops;
    if (hops === undefined) return [];
    if (hops instanceof TraceIndex) return hops.nodes.values();
    return Array.isArray(hops) ? hops : [hops];
  }

  index(node: HopNode): void {
    const hops = this.hops;
    if (hops === undefined) this.hops = node;
    else if (hops instanceof TraceIndex) hops.add(node);
    else if (!Array.isArray(hops)) this.hops = [hops, node];
    else if (hops.length < shortTraceHops) this.hops = appended(hops, node);
    else {
      const index = new TraceIndex();
      for (const indexed of hops) index.add(indexed);
      index.add(node);
      this.hops = index;
    }
  }

  /** Keeps the node findable under its hop id after a merge made another observation its lead. */
  rekey(node: HopNode, previousId: string): void {
    // A short trace finds a hop by its current id already.
    if (!(this.hops instanceof TraceIndex)) return;
    this.hops.nodes.delete(previousId);
    this.hops.nodes.set(node.hopId, node);
  }

  /** Hops to `service`; for a short trace every hop, which callers check the service of. */
  private toService(service: string): readonly HopNode[] | undefined {
    const hops = this.hops;
    if (hops === undefined) return undefined;
    if (hops instanceof TraceIndex) return hops.byService.get(service);
    if (Array.isArray(hops)) return hops;
    return hops.service === service ? [hops] : undefined;
  }

  /**
   * An earlier-seen hop of the same request as `node` (logged at `point`) at another observation point:
   * same request id and destination service, time intervals overlapping within `skewMs`, not logged at
   * `point` already. Other observation points log a request moments apart, so only the latest few hops
   * to that service are looked at.
   */
  sameRequest(node: HopNode, point: string, skewMs: number): HopNode | undefined {
    const candidates = node.requestId === undefined ? undefined : this.toService(node.service);
    if (candidates === undefined) return undefined;
    const oldest = Math.max(0, candidates.length - sameRequestReach);
    for (let index = candidates.length - 1; index >= oldest; index--) {
      const candidate = candidates[index]!;
      if (
        candidate.service === node.service &&
        candidate.requestId === node.requestId &&
        !loggedAt(candidate.observers, point) &&
        overlapWithin(candidate.ts, endOf(candidate), node.ts, endOf(node), skewMs)
      ) {
        return candidate;
      }
    }
    return undefined;
  }

  /** The earliest hop of the span (a span logged at two observation points has two). */
  bySpan(spanId: string): HopNode | undefined {
    const hops = this.hops;
    if (hops === undefined) return undefined;
    if (hops instanceof TraceIndex) return hops.spans?.get(spanId);
    if (!Array.isArray(hops)) return hops.spanId === spanId ? hops : undefined;
    let earliest: HopNode | undefined;
    for (const node of hops)
      if (node.spanId === spanId && (earliest === undefined || isBefore(node, earliest))) earliest = node;
    return earliest;
  }

  /** An indexed hop settled as a root: a longer trace lists it (a short one finds it hop by hop). */
  addRoot(node: HopNode): void {
    if (this.hops instanceof TraceIndex) this.hops.roots.push(node);
  }

  /** The earliest resolved root that started before `node`: what a hop with lost ancestors attaches to. */
  oldestRootBefore(node: HopNode): HopNode | undefined {
    const hops = this.hops;
    const roots = hops instanceof TraceIndex ? hops.roots : this.nodes();
    let oldest: HopNode | undefined;
    for (const root of roots) {
      if (isRoot(root) && isBefore(root, node) && (oldest === undefined || isBefore(root, oldest)))
        oldest = root;
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
  return a.hopId < b.hopId;
}

/** Root → hop steps; past `maxSteps` the root is kept and the steps nearest the hop. */
export function pathOf(node: HopNode, maxSteps: number): PathStep[] {
  // Counted first, so that the array is made at its length (push reserves 17 slots) and never reversed.
  let walked = 0;
  let beyond: HopNode | undefined = node;
  for (; beyond !== undefined && walked < maxSteps - 1; walked++) beyond = beyond.pathParent;
  const root = beyond === undefined ? undefined : node.root;
  const steps = new Array<PathStep>(root === undefined ? walked : walked + 1);
  let current = node;
  for (let at = steps.length - 1; at >= steps.length - walked; at--) {
    steps[at] = stepOf(current);
    current = current.pathParent as HopNode;
  }
  if (root !== undefined) steps[0] = stepOf(root);
  return steps;
}

/**
 * The hop with what lineage found for it (one object shape for every hop, see resolvedHopOf). The
 * parent link is told here, not kept on the node: nothing reads it once the hop is emitted.
 */
export function resolvedHop(
  hop: HopEvent,
  node: HopNode,
  path: ResolvedHop['path'],
  parentId?: string,
  parentInferred = false,
): ResolvedHop {
  return resolvedHopOf(hop, {
    originCredential: node.origin,
    originConfidence: node.confidence,
    parentId,
    parentInferred,
    depth: node.depth,
    path,
    upstream: undefined,
  });
}
