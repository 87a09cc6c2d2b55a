import { z } from 'zod';
import { pathStepSchema } from '../schemas/resolved-hop.js';

/** Zod schemas for the pieces detector snapshots are made of: what `restore` reads back after a JSON round trip. */

export const sampledSchema = z.object({ ts: z.number(), id: z.string() });

export const countsSchema = z.array(z.tuple([z.string(), z.number()]));

export const pathSchema = z.array(pathStepSchema);

export const countHistorySchema = z.object({
  counts: z.array(z.number()),
  next: z.number().int(),
  ewma: z.number().nullable(),
  learnedStart: z.number().optional(),
});

/** `IdleMap.snapshot()` of values saved as `saved`. */
export function idleMapSnapshotSchema<Saved extends z.ZodType>(saved: Saved) {
  return z.object({
    entries: z.array(z.tuple([z.string(), saved, z.number()])),
    evicted: z.number().int().nonnegative(),
    expired: z.number().int().nonnegative(),
  });
}

/** `KeyedWindows.snapshot()` of accumulators saved as `saved`. */
export function windowsSnapshotSchema<Saved extends z.ZodType>(saved: Saved) {
  return z.object({
    closedUpTo: z.number().nullable(),
    /** Absent before windows were capped, and while none closed early. */
    earlyUpTo: z.number().optional(),
    windows: z.array(
      z.object({
        key: z.string(),
        start: z.number(),
        end: z.number(),
        due: z.number().optional(),
        acc: saved,
      }),
    ),
  });
}

/** `RootAnchors.snapshot()`. */
export const rootAnchorsSnapshotSchema = idleMapSnapshotSchema(z.number());
