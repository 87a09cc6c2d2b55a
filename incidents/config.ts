import { z } from 'zod';
import { entriesCap } from '../common/zod.js';
import { silenceSpecSchema } from '../schemas/silence.js';

const MINUTE_MS = 60_000;

export const incidentsConfigSchema = z
  .object({
    /** Event time without a new finding after which an incident resolves. */
    quietMs: z
      .number()
      .int()
      .positive()
      .default(15 * MINUTE_MS),
    /** Open incidents kept at most; past it the one quiet the longest resolves early. */
    maxOpen: entriesCap.default(10_000),
    /** Silences that always apply (those made through the API come on top). */
    silences: z.array(silenceSpecSchema).default([]),
  })
  .strict();

export type IncidentsConfig = z.infer<typeof incidentsConfigSchema>;
export type IncidentsConfigInput = z.input<typeof incidentsConfigSchema>;
