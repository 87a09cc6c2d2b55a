import { z } from 'zod';

export const lineageConfigSchema = z.object({
  /** How long (event time) a hop waits for unseen ancestors before it is resolved with partial confidence. */
  graceMs: z.number().int().nonnegative().default(5_000),
  /** Traces idle for longer than this (event time) are evicted. */
  traceTtlMs: z.number().int().positive().default(300_000),
  /** Hard cap on tracked traces; the least recently used are evicted past it. */
  maxTraces: z.number().int().positive().default(200_000),
});

export type LineageConfig = z.infer<typeof lineageConfigSchema>;
