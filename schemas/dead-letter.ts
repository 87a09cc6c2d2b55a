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

/** A dead letter as the store keeps it and the API lists it. */
export const storedDeadLetterSchema = deadLetterSchema.extend({
  id: z.string().describe('names the record by what it holds and where it came from'),
  raw: z.string().describe('the record as kept: secrets redacted, cut to store.deadLetterMaxBytes'),
  rawBytes: z.number().int().describe('the size of the record before it was cut'),
});

export type StoredDeadLetter = z.infer<typeof storedDeadLetterSchema>;
