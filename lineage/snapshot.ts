import type { HopEvent } from '../schemas/hop-event.js';
import type { PathStep } from '../schemas/resolved-hop.js';
import type { LineageResolver } from './resolver.js';
import { type HopNode, type OriginConfidence, TraceState } from './trace-state.js';

type NodeRecord = {
  step: PathStep;
  ts: number;
  end: number;
  spanId?: string;
  service: string;
  caller?: string;
  resolved: boolean;
  origin: string;
  confidence: OriginConfidence;
  parentId?: string;
  parentInferred: boolean;
  pathParent?: string;
  root?: string;
  depth: number;
};

type TraceRecord = {
  traceId: string;
  lastTs: number;
  nodes: NodeRecord[];
  pending: Array<{ hop: HopEvent; deadline: boolean }>;
};

export type LineageSnapshot = {
  watermark: number | null;
  counters: { duplicateHops: number; unindexedHops: number; evicted: number; expired: number };
  traces: TraceRecord[];
};

/** JSON-serialisable lineage state: nodes refer to each other by hop id; waiting hops keep their full event. */
export function snapshotLineage(resolver: LineageResolver): LineageSnapshot {
  const traces: TraceRecord[] = [];
  for (const [traceId, trace, lastTs] of resolver.tracesInOrder()) {
    const nodes: NodeRecord[] = [];
    for (const node of trace.nodes.values()) nodes.push(nodeRecord(node));
    const pending = [...trace.pending].map((entry) => ({
      hop: entry.hop,
      deadline: entry.deadlineScheduled,
    }));
    traces.push({ traceId, lastTs, nodes, pending });
  }
  const watermark = resolver.currentWatermark();
  return {
    watermark: Number.isFinite(watermark) ? watermark : null,
    counters: resolver.counters(),
    traces,
  };
}

export function restoreLineage(resolver: LineageResolver, snapshot: LineageSnapshot): void {
  const traces = snapshot.traces.map((record) => ({
    trace: rebuildTrace(record),
    lastTs: record.lastTs,
    pending: record.pending,
  }));
  resolver.restoreState(snapshot.watermark ?? Number.NEGATIVE_INFINITY, snapshot.counters, traces);
}

function nodeRecord(node: HopNode): NodeRecord {
  return {
    step: node.step,
    ts: node.ts,
    end: node.end,
    spanId: node.spanId,
    service: node.service,
    caller: node.caller,
    resolved: node.resolved,
    origin: node.origin,
    confidence: node.confidence,
    parentId: node.parentId,
    parentInferred: node.parentInferred,
    pathParent: node.pathParent?.step.hopId,
    root: node.root?.step.hopId,
    depth: node.depth,
  };
}

function rebuildTrace(record: TraceRecord): TraceState {
  const trace = new TraceState(record.traceId);
  const byId = new Map<string, HopNode>();
  for (const saved of record.nodes) {
    const node: HopNode = {
      ...saved,
      spanId: saved.spanId,
      caller: saved.caller,
      parentId: saved.parentId,
      pathParent: undefined,
      root: undefined,
      waiters: undefined,
    };
    byId.set(saved.step.hopId, node);
    trace.index(node);
  }
  for (const saved of record.nodes) {
    const node = byId.get(saved.step.hopId)!;
    node.pathParent = saved.pathParent === undefined ? undefined : byId.get(saved.pathParent);
    node.root = saved.root === undefined ? undefined : byId.get(saved.root);
    if (node.resolved && node.root === node) trace.addRoot(node);
  }
  return trace;
}
