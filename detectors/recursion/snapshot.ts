import { z } from 'zod';
import {
  countsSchema,
  pathSchema,
  rootAnchorsSnapshotSchema,
  sampledSchema,
  windowsSnapshotSchema,
} from '../snapshot-schemas.js';

const exampleSchema = z.object({ ts: z.number(), id: z.string(), path: pathSchema, detail: z.string() });

const savedWindowSchema = z.object({
  origin: z.string(),
  traceId: z.string(),
  cycleHops: z.number(),
  cycle: exampleSchema.nullable(),
  maxDepth: z.number(),
  deepest: exampleSchema.nullable(),
  calls: countsSchema,
  inferredEdges: z.number(),
  partialHops: z.number(),
  late: z.number(),
  sample: z.array(sampledSchema),
});

export const recursionSnapshotSchema = z.object({
  windows: windowsSnapshotSchema(savedWindowSchema),
  /** Taken before the engine kept one set of anchors for every detector (now its `rootAnchors`). */
  anchors: rootAnchorsSnapshotSchema.optional(),
});

export type RecursionSnapshot = z.infer<typeof recursionSnapshotSchema>;
