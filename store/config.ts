import { z } from 'zod';
import { entriesCap } from '../common/zod.js';

export const storeConfigSchema = z
  .object({
    /** ClickHouse server over HTTP; absent means the embedded chDB engine under `<dataDir>/chdb`. */
    url: z.url().optional(),
    user: z.string().default('default'),
    password: z.string().default(''),
    database: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier')
      .default('hopwatch'),
    /**
     * Which hops are stored: `all`, or `findings` (only the hops of traces a finding names, whole: they
     * wait in memory up to `hopsHoldMs` of event time for a finding, for at most `hopsHoldMaxTraces` traces).
     */
    hops: z.enum(['all', 'findings']).default('all'),
    /** Under `hops: findings`, how long past a trace's latest hop its hops wait for a finding; above your longest detector window. */
    hopsHoldMs: z.number().int().positive().default(180_000),
    /** Under `hops: findings`, traces whose hops wait at once; past it the longest-waiting are dropped. */
    hopsHoldMaxTraces: entriesCap.default(200_000),
    /** Hops older than this (by event time) are dropped by ClickHouse TTL. */
    hopsTtlDays: z.number().int().positive().max(3_650).default(30),
    /** Dead letters older than this (by receive time) are dropped by ClickHouse TTL. */
    deadLettersTtlDays: z.number().int().positive().max(3_650).default(30),
    /**
     * Rows per INSERT. While more rows wait than this (the store is behind), an INSERT takes as many
     * as wait, up to half of bufferMaxRows: fewer, larger parts for a backlog. Every INSERT costs chDB
     * about 7 ms of CPU whatever its size, and its merges more: at a steady 20k hops/s, 5,000-row inserts
     * take 13–15 µs of CPU a hop where 2,000-row ones take 17–21. The default stays at 2,000 because
     * larger inserts delay findings (chDB runs one query at a time, and a Kafka checkpoint waits for the
     * hops it holds): 5,000 doubled the p99 of a finding's way to the store through Kafka.
     */
    batchMaxRows: z.number().int().positive().max(50_000).default(2_000),
    /** A row waits at most this long in the buffer before it is written. */
    batchMaxDelayMs: z.number().int().positive().default(1_000),
    /** Rows held in memory before `write()` waits for the store (backpressure). */
    bufferMaxRows: z.number().int().positive().default(20_000),
    /** Attempts per batch within one flush before the store is reported unavailable. */
    retryMaxAttempts: z.number().int().positive().max(20).default(5),
    /** First retry delay; doubles per attempt, with jitter. */
    retryBaseDelayMs: z.number().int().positive().default(200),
    /** Longest wait between retries, including the background retries of an unavailable store. */
    retryMaxDelayMs: z.number().int().positive().default(10_000),
    deadLetterMaxBytes: z.number().int().positive().default(16_384),
  })
  .refine((store) => store.bufferMaxRows >= store.batchMaxRows, {
    path: ['bufferMaxRows'],
    message: 'must be at least batchMaxRows',
  });

export type StoreConfig = z.infer<typeof storeConfigSchema>;

/** What the store is opened with: its own section, and the data directory the embedded engine lives in. */
export type StoreSettings = { store: StoreConfig; dataDir: string };
