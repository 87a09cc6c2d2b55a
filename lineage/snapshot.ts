import { z } from 'zod';
import { isObject } from '../common/json.js';
import { JsonList, type JsonOut } from '../common/json-slices.js';
import type { HopEvent } from '../schemas/hop-event.js';
import { pathStepSchema } from '../schemas/resolved-hop.js';
import type { LineageResolver } from './resolver.js';
import { endOf, type HopNode, isResolved, stepOf, TraceState } from './trace-state.js';

const nodeRecordSchema = z.object({
  step: pathStepSchema,
  ts: z.number(),
  end: z.number(),
  spanId: z.string().optional(),
  service: z.string(),
  caller: z.string().optional(),
  resolved: z.boolean(),
  origin: z.string(),
  confidence: z.enum(['exact', 'partial']),
  /** Read by versions that kept it on the node; nothing reads it once a hop is resolved. */
  parentInferred: z.boolean(),
  pathParent: z.string().optional(),
  root: z.string().optional(),
  depth: z.number().int().nonnegative(),
  requestId: z.string().optional(),
  /** Absent in snapshots written before observation points were told apart: any record may merge in. */
  observers: z.union([z.string(), z.array(z.string()).readonly()]).default([]),
});

/** A waiting hop is kept whole; it was a HopEvent when it arrived, so only its identity is checked here. */
const waitingHopSchema = z.custom<HopEvent>(
  (value) => isObject(value) && typeof value.id === 'string' && typeof value.ts === 'number',
  'not a hop event',
);

export const lineageSnapshotSchema = z.object({
  watermark: z.number().nullable(),
  counters: z.object({
    duplicateHops: z.number(),
    /** Absent in snapshots written before observation points were merged. */
    mergedObservations: z.number().default(0),
    unindexedHops: z.number(),
    evicted: z.number(),
    expired: z.number(),
  }),
  /** Absent in snapshots written before copies were recognised by id. */
  seen: z.object({ hashes: z.string(), expiries: z.string() }).optional(),
  /** Hops without trace context waiting for the other observations of their request; absent before those waited. */
  untraced: z.array(waitingHopSchema).optional(),
  traces: z.array(
    z.object({
      traceId: z.string(),
      lastTs: z.number(),
      nodes: z.array(nodeRecordSchema),
      pending: z.array(z.object({ hop: waitingHopSchema, deadline: z.boolean() })),
    }),
  ),
});

type NodeRecord = z.infer<typeof nodeRecordSchema>;
type TraceRecord = LineageSnapshot['traces'][number];
export type LineageSnapshot = z.infer<typeof lineageSnapshotSchema>;

/**
 * JSON-serialisable lineage state: nodes refer to each other by hop id; waiting hops keep their full
 * event. The traces are produced as they are written (a JsonList): the resolver must not change
 * until the snapshot is serialised.
 */
export function snapshotLineage(resolver: LineageResolver): JsonOut<LineageSnapshot> {
  const watermark = resolver.currentWatermark();
  return {
    watermark: Number.isFinite(watermark) ? watermark : null,
    counters: resolver.counters(),
    seen: resolver.seenHops.snapshot(),
    untraced: resolver.untracedHops(),
    traces: new JsonList(() => traceRecords(resolver)),
  };
}

function* traceRecords(resolver: LineageResolver): Generator<TraceRecord> {
  for (const [traceId, trace, lastTs] of resolver.tracesInOrder()) {
    const nodes: NodeRecord[] = [];
    for (const node of trace.nodes()) nodes.push(nodeRecord(node));
    const pending = [...trace.pending].map((entry) => ({
      hop: entry.hop,
      deadline: entry.deadlineScheduled,
    }));
    yield { traceId, lastTs, nodes, pending };
  }
}

export function restoreLineage(resolver: LineageResolver, snapshot: LineageSnapshot): void {
  const traces = snapshot.traces.map((record) => ({
    trace: rebuildTrace(record),
    lastTs: record.lastTs,
    pending: record.pending,
  }));
  resolver.restoreState(
    snapshot.watermark ?? Number.NEGATIVE_INFINITY,
    snapshot.counters,
    traces,
    snapshot.untraced ?? [],
  );
  if (snapshot.seen !== undefined) resolver.seenHops.restore(snapshot.seen);
}

function nodeRecord(node: HopNode): NodeRecord {
  return {
    step: stepOf(node),
    ts: node.ts,
    end: endOf(node),
    spanId: node.spanId,
    service: node.service,
    caller: node.caller,
    resolved: isResolved(node),
    origin: node.origin,
    confidence: node.confidence,
    parentInferred: false,
    pathParent: node.pathParent?.hopId,
    root: node.root?.hopId,
    depth: node.depth,
    requestId: node.requestId,
    observers: node.observers,
  };
}

function rebuildTrace(record: TraceRecord): TraceState {
  const trace = new TraceState(record.traceId);
  const byId = new Map<string, HopNode>();
  for (const saved of record.nodes) {
    const node: HopNode = {
      hopId: saved.step.hopId,
      loggedService: saved.step.service,
      loggedWorkload: saved.step.workload,
      credential: saved.step.credential,
      ts: saved.ts,
      durationMs: saved.end - saved.ts,
      spanId: saved.spanId,
      service: saved.service,
      caller: saved.caller,
      requestId: saved.requestId,
      observers: saved.observers,
      // An unresolved node waits again once its pending hop is tracked (LineageResolver.restoreState).
      unsettled: undefined,
      origin: saved.origin,
      confidence: saved.confidence,
      pathParent: undefined,
      root: undefined,
      depth: saved.depth,
    };
    byId.set(saved.step.hopId, node);
    trace.index(node);
  }
  for (const saved of record.nodes) {
    const node = byId.get(saved.step.hopId)!;
    node.pathParent = saved.pathParent === undefined ? undefined : byId.get(saved.pathParent);
    node.root = saved.root === undefined ? undefined : byId.get(saved.root);
    if (saved.resolved && node.root === node) trace.addRoot(node);
  }
  return trace;
}
