import { z } from 'zod';

const positiveInt = z.number().int().positive();

export const recursionFields = z.object({
  /** Root-anchored window in which cycles, depth and repeated calls are counted. */
  windowMs: positiveInt,
  /** A root → hop chain deeper than this is a finding. */
  maxDepth: positiveInt,
  /** The same caller → destination call (method and route) repeated more than this under one root. */
  maxRepeats: positiveInt,
  /** Services that legitimately appear several times on a path (gateways, meshes); globs. */
  passThroughServices: z.array(z.string().min(1)),
});

export type RecursionConfig = z.infer<typeof recursionFields>;

export const recursionDefaults: RecursionConfig = {
  windowMs: 60_000,
  maxDepth: 8,
  maxRepeats: 20,
  passThroughServices: [],
};
