import { z } from 'zod';
import { type HopEvent, hopEventSchema } from './hop-event.js';

/** One step of the root → hop path: which workload called which service with which credential. */
export const pathStepSchema = z.object({
  hopId: z.string(),
  service: z.string(),
  workload: z.string().optional(),
  credential: z.string(),
});

/** An ingest task of a split pipeline (its input partition) and its watermark: see `upstream` below. */
export const upstreamTagSchema = z.object({ id: z.string(), watermark: z.number() });

/**
 * What an ingest task publishes on every partition of the hops topic each second, besides its hops:
 * its watermark alone, so that the detect stage knows how far each task has got even when it sends no
 * hops (a quiet partition), and can tell a task that is quiet from one that stopped (pipeline/upstream-watermarks.ts).
 */
export const watermarkMarkSchema = z.object({ upstream: upstreamTagSchema }).strict();

/** A HopEvent after lineage: its origin credential, its parent and the path from the root hop. */
export const resolvedHopSchema = hopEventSchema.extend({
  originCredential: z.string().min(1),
  originConfidence: z.enum(['exact', 'partial']),
  /** Hop id of the parent hop, when one is known. */
  parentId: z.string().optional(),
  /** True when the parent was inferred from timing and workload names rather than span ids. */
  parentInferred: z.boolean(),
  depth: z.number().int().nonnegative(),
  path: z.array(pathStepSchema),
  /**
   * On the hops topic of a split pipeline: the ingest task (input partition) that resolved the hop and
   * its watermark then. The detect stage moves its own by them, so that its windows close where one
   * engine's would.
   */
  upstream: upstreamTagSchema.optional(),
});

export type PathStep = z.infer<typeof pathStepSchema>;
export type UpstreamTag = z.infer<typeof upstreamTagSchema>;
export type WatermarkMark = z.infer<typeof watermarkMarkSchema>;
export type ResolvedHop = z.infer<typeof resolvedHopSchema>;

/** What lineage adds to a hop (its origin, parent and path), and the stage's tag on the hops topic. */
export type HopLineage = Omit<ResolvedHop, keyof HopEvent>;

/**
 * A resolved hop built field by field, every key present: one object shape for every hop, whether
 * lineage resolved it here or the detect stage read it off the hops topic.
 */
export function resolvedHopOf(hop: HopEvent, lineage: HopLineage): ResolvedHop {
  return {
    id: hop.id,
    ts: hop.ts,
    durationMs: hop.durationMs,
    traceId: hop.traceId,
    spanId: hop.spanId,
    parentSpanId: hop.parentSpanId,
    requestId: hop.requestId,
    observer: hop.observer,
    sessionId: hop.sessionId,
    credential: hop.credential,
    delegation: hop.delegation,
    source: hop.source,
    destination: hop.destination,
    status: hop.status,
    rawStatus: hop.rawStatus,
    bytesIn: hop.bytesIn,
    bytesOut: hop.bytesOut,
    origin: hop.origin,
    observedAs: hop.observedAs,
    originCredential: lineage.originCredential,
    originConfidence: lineage.originConfidence,
    parentId: lineage.parentId,
    parentInferred: lineage.parentInferred,
    depth: lineage.depth,
    path: lineage.path,
    upstream: lineage.upstream,
  };
}
