import { z } from 'zod';
import {
  countsSchema,
  idleMapSnapshotSchema,
  pathSchema,
  rootAnchorsSnapshotSchema,
  sampledSchema,
  windowsSnapshotSchema,
} from '../snapshot-schemas.js';

const savedRuleSchema = z.object({
  hops: z.number(),
  example: z.object({ ts: z.number(), id: z.string(), credential: z.string(), path: pathSchema }).nullable(),
  items: countsSchema,
  credentials: countsSchema,
  succeeded: z.number(),
  inferredEdges: z.number(),
  partialHops: z.number(),
  sample: z.array(sampledSchema),
});

const savedWindowSchema = z.object({
  origin: z.string(),
  traceId: z.string(),
  late: z.number(),
  gain: savedRuleSchema,
  write: savedRuleSchema,
});

const rootGrantSchema = z.object({ scopes: z.array(z.string()), judged: z.boolean(), readOnly: z.boolean() });

const seenSchema = z.object({
  calls: z.number(),
  first: sampledSchema,
  traceId: z.string().nullable(),
  mutating: z.boolean(),
});

const noveltySnapshotSchema = z.object({
  windows: windowsSnapshotSchema(
    z.object({
      origin: z.string(),
      calls: z.number(),
      firstTs: z.number(),
      late: z.number(),
      seen: z.array(z.tuple([z.string(), seenSchema])),
    }),
  ),
  origins: idleMapSnapshotSchema(z.object({ since: z.number(), calls: z.number(), known: countsSchema })),
});

export const scopeExpansionSnapshotSchema = z.object({
  windows: windowsSnapshotSchema(savedWindowSchema),
  /** Taken before the engine kept one set of anchors for every detector (now its `rootAnchors`). */
  anchors: rootAnchorsSnapshotSchema.optional(),
  grants: idleMapSnapshotSchema(rootGrantSchema),
  novelty: noveltySnapshotSchema,
});

export type ScopeSnapshot = z.infer<typeof scopeExpansionSnapshotSchema>;
export type SavedRule = z.infer<typeof savedRuleSchema>;
export type NoveltySnapshot = z.infer<typeof noveltySnapshotSchema>;
