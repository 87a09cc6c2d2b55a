import { z } from 'zod';
import { detectorNames, severities } from '../schemas/finding.js';

export const webhookConfigSchema = z.object({
  name: z.string().min(1),
  url: z.url(),
  /** Name of the environment variable holding the signing secret. */
  secretEnv: z.string().optional(),
  /** Path of a file holding the signing secret. */
  secretFile: z.string().optional(),
  minSeverity: z.enum(severities).default('medium'),
  detectors: z.array(z.enum(detectorNames)).optional(),
  bodyStyle: z.enum(['hopwatch', 'slack']).default('hopwatch'),
});

export const alertsConfigSchema = z.object({
  webhooks: z.array(webhookConfigSchema).default([]),
});

export type WebhookConfig = z.infer<typeof webhookConfigSchema>;
export type AlertsConfig = z.infer<typeof alertsConfigSchema>;
