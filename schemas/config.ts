import { z } from 'zod';
import { alertsConfigSchema } from '../alerts/config.js';
import { apiConfigSchema } from '../api/config.js';
import { detectorsConfigSchema } from '../detectors/config.js';
import { kafkaConfigSchema } from '../ingest/config.js';
import { lineageConfigSchema } from '../lineage/config.js';
import { storeConfigSchema } from '../store/config.js';

// zod 4: `.prefault({})` (not `.default({})`) so that the inner defaults of each section apply.
export const configSchema = z
  .object({
    dataDir: z.string().min(1).default('./data'),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    lineage: lineageConfigSchema.prefault({}),
    detectors: detectorsConfigSchema.prefault({}),
    store: storeConfigSchema.prefault({}),
    api: apiConfigSchema.prefault({}),
    alerts: alertsConfigSchema.prefault({}),
    kafka: kafkaConfigSchema.prefault({}),
  })
  .strict();

export type HopwatchConfig = z.infer<typeof configSchema>;
export type HopwatchConfigInput = z.input<typeof configSchema>;
