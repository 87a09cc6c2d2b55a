import { z } from 'zod';

/** A record that could not be turned into HopEvents, kept with the reason and where it came from. */
export const deadLetterSchema = z.object({
  receivedAt: z.number().int(),
  reason: z.string().min(1),
  /** The raw record, truncated to the store's bound; adapters have already stripped secrets they recognised. */
  raw: z.string(),
  format: z.string().optional(),
  source: z.enum(['http', 'kafka', 'file']),
  topic: z.string().optional(),
  partition: z.number().int().optional(),
  offset: z.string().optional(),
  line: z.number().int().optional(),
});

export type DeadLetter = z.infer<typeof deadLetterSchema>;
