import { z } from 'zod';
import {
  countHistorySchema,
  countsSchema,
  idleMapSnapshotSchema,
  pathSchema,
  rootAnchorsSnapshotSchema,
  sampledSchema,
  windowsSnapshotSchema,
} from '../snapshot-schemas.js';

const savedWindowSchema = z.object({
  origin: z.string(),
  traceId: z.string(),
  rootHopId: z.string().nullable(),
  anchor: z.number(),
  calls: z.number(),
  destinations: countsSchema,
  maxDepth: z.number(),
  deepest: sampledSchema.nullable(),
  deepestPath: pathSchema.nullable(),
  inferredEdges: z.number(),
  partialHops: z.number(),
  late: z.number(),
  sample: z.array(sampledSchema),
});

export const fanoutSnapshotSchema = z.object({
  windows: windowsSnapshotSchema(savedWindowSchema),
  /** Taken before the engine kept one set of anchors for every detector (now its `rootAnchors`). */
  anchors: rootAnchorsSnapshotSchema.optional(),
  history: idleMapSnapshotSchema(countHistorySchema),
});

export type FanoutSnapshot = z.infer<typeof fanoutSnapshotSchema>;
