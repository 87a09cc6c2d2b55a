import { z } from 'zod';

export const kafkaConfigSchema = z.object({
  brokers: z.array(z.string().min(1)).default([]),
  clientId: z.string().default('hopwatch'),
  groupId: z.string().default('hopwatch'),
  topics: z.array(z.string().min(1)).min(1).default(['hopwatch.access-logs']),
  deadLetterTopic: z.string().min(1).default('hopwatch.dead-letter'),
  /** Format per topic; topics not listed are auto-detected per record. */
  formatByTopic: z.record(z.string(), z.string()).default({}),
});

export type KafkaConfig = z.infer<typeof kafkaConfigSchema>;
