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
  anchors: rootAnchorsSnapshotSchema,
  history: idleMapSnapshotSchema(countHistorySchema),
});

export type FanoutSnapshot = z.infer<typeof fanoutSnapshotSchema>;
