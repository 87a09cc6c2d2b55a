import { z } from 'zod';

export const detectorsConfigSchema = z.object({
  /** Watermark = max event time seen − allowedLatenessMs. */
  allowedLatenessMs: z.number().int().nonnegative().default(10_000),
});

export type DetectorsConfig = z.infer<typeof detectorsConfigSchema>;
