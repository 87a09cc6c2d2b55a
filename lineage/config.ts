import { z } from 'zod';
import { entriesCap } from '../common/zod.js';
import { callerHintSchema } from '../schemas/caller-hint.js';

export const lineageConfigSchema = z
  .object({
    /** How long (event time, past the watermark) a hop waits for unseen ancestors before it is resolved with partial confidence. */
    graceMs: z.number().int().nonnegative().default(5_000),
    /** Traces idle for longer than this (event time) are evicted. */
    traceTtlMs: z.number().int().positive().default(300_000),
    /** Hard cap on tracked traces; the least recently used are evicted past it. */
    maxTraces: entriesCap.default(200_000),
    /** Hops indexed per trace as possible parents; a runaway trace stops growing the index past it. */
    maxHopsPerTrace: entriesCap.default(10_000),
    /**
     * A hop id seen again within this long (event time past the later of its own time and the
     * watermark when it first arrived) is a copy — a retried batch, a redelivered record — and is
     * stored and judged once.
     */
    seenHopsMs: z.number().int().nonnegative().default(3_600_000),
    /** Hop ids remembered for that, at most: the most recent ones (≈ 40 bytes each in memory, 16 in a checkpoint). */
    maxSeenHops: z.number().int().positive().default(500_000),
    /**
     * Records of one request logged at several observation points (ingress gateway, the caller's and
     * the callee's sidecars) are one hop when they share the request id and destination and their
     * time intervals overlap, with this much clock skew between the nodes allowed.
     */
    observationSkewMs: z.number().int().nonnegative().default(1_000),
    /** Where decoding finds a caller's name when nothing stronger names it (off by default). */
    callerHint: callerHintSchema.prefault({}),
    /** Steps kept in a resolved hop's path: the root, then the last steps up to the hop. */
    maxPathSteps: z.number().int().min(2).default(32),
  })
  .strict();

export type LineageConfig = z.infer<typeof lineageConfigSchema>;
