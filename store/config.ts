import { z } from 'zod';

export const storeConfigSchema = z.object({
  /** ClickHouse server over HTTP; absent means the embedded chDB engine under `<dataDir>/chdb`. */
  url: z.url().optional(),
  user: z.string().default('default'),
  password: z.string().default(''),
  database: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier')
    .default('hopwatch'),
  hopsTtlDays: z.number().int().positive().default(30),
  batchMaxRows: z.number().int().positive().default(2_000),
  batchMaxDelayMs: z.number().int().positive().default(1_000),
  deadLetterMaxBytes: z.number().int().positive().default(16_384),
});

export type StoreConfig = z.infer<typeof storeConfigSchema>;
