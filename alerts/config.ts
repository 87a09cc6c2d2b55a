import { z } from 'zod';
import { severities } from '../schemas/finding.js';

export const bodyStyles = ['hopwatch', 'slack', 'teams', 'pagerduty', 'splunk'] as const;
/** `incidents`: one delivery when an incident opens, escalates and resolves; `findings`: one per finding. */
export const notifyModes = ['incidents', 'findings'] as const;

const HOUR_MS = 3_600_000;

export const webhookConfigSchema = z
  .object({
    /** Unique; part of the delivery id, so renaming a webhook starts a fresh delivery history. */
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, "_", "." or "-"'),
    /** Never logged: Slack-style URLs carry their own secret. */
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
    /** Name of the environment variable holding the signing secret (PagerDuty: the routing key; Splunk: the HEC token). */
    secretEnv: z.string().min(1).optional(),
    /** Path of a file holding the signing secret (surrounding whitespace is ignored). */
    secretFile: z.string().min(1).optional(),
    notify: z.enum(notifyModes).default('incidents'),
    /** Findings (or incidents) of at least this severity. */
    minSeverity: z.enum(severities).default('medium'),
    /** Only findings of these detectors, or incidents with one (names checked where the whole config is read); absent means all. */
    detectors: z.array(z.string().min(1)).min(1).optional(),
    /**
     * `hopwatch`: the finding JSON; `slack`: Slack-compatible blocks with a text fallback; `teams`: a
     * Microsoft Teams message with an Adaptive Card; `pagerduty`:
     * PagerDuty Events API v2 events, whose routing key is the secret; `splunk`: HTTP Event Collector
     * events, whose token is the secret.
     */
    bodyStyle: z.enum(bodyStyles).default('hopwatch'),
    timeoutMs: z.number().int().positive().max(300_000).default(10_000),
    /** A delivery is marked failed after this many attempts or this age, whichever comes first. */
    maxAttempts: z.number().int().positive().default(200),
    maxAgeMs: z
      .number()
      .int()
      .positive()
      .default(24 * HOUR_MS),
    /** Requests in flight at once to this webhook. */
    concurrency: z.number().int().min(1).max(64).default(4),
    /** Bytes of a response body read (for the error message) before the rest is discarded. */
    maxResponseBytes: z
      .number()
      .int()
      .positive()
      .default(64 * 1024),
    /** Retry delay: full jitter over min(backoffMaxMs, backoffBaseMs * 2^(attempt-1)). */
    backoffBaseMs: z.number().int().positive().default(1_000),
    backoffMaxMs: z
      .number()
      .int()
      .positive()
      .max(24 * HOUR_MS)
      .default(900_000),
    /** Upper bound on a receiver's Retry-After. */
    retryAfterMaxMs: z
      .number()
      .int()
      .nonnegative()
      .max(24 * HOUR_MS)
      .default(HOUR_MS),
  })
  .strict()
  .refine((webhook) => (webhook.secretEnv === undefined) !== (webhook.secretFile === undefined), {
    message: 'set exactly one of secretEnv or secretFile',
    path: ['secretEnv'],
  });

export const outboxConfigSchema = z
  .object({
    /**
     * Delivered and failed deliveries are remembered (and deduplicated against) this long after their last
     * update, then forgotten at the next compaction. Must exceed every webhook's maxAgeMs.
     */
    retainMs: z
      .number()
      .int()
      .positive()
      .default(72 * HOUR_MS),
    /** The outbox file is rewritten once this many bytes (or its size after the last rewrite) were appended. */
    compactAfterBytes: z
      .number()
      .int()
      .positive()
      .default(16 * 1024 * 1024),
    /**
     * Backpressure: while this many deliveries are pending (a receiver down for hours under a finding storm),
     * `enqueue` waits, and so does the Kafka consumer that calls it, instead of growing without bound.
     */
    maxPending: z.number().int().positive().default(100_000),
  })
  .strict();

export const alertsConfigSchema = z
  .object({
    webhooks: z
      .array(webhookConfigSchema)
      .default([])
      .refine(
        (webhooks) => new Set(webhooks.map((webhook) => webhook.name)).size === webhooks.length,
        'webhook names must be unique',
      ),
    outbox: outboxConfigSchema.prefault({}),
    /** Where hopwatch's API is reached from the receivers' side (e.g. https://hopwatch.example.com); alerts link to it. */
    publicUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  })
  .superRefine((alerts, context) => {
    alerts.webhooks.forEach((webhook, index) => {
      if (webhook.maxAgeMs >= alerts.outbox.retainMs) {
        context.addIssue({
          code: 'custom',
          path: ['webhooks', index, 'maxAgeMs'],
          message: `must be below outbox.retainMs (${alerts.outbox.retainMs})`,
        });
      }
    });
  });

export type BodyStyle = (typeof bodyStyles)[number];
export type NotifyMode = (typeof notifyModes)[number];
export type WebhookConfig = z.infer<typeof webhookConfigSchema>;
export type WebhookConfigInput = z.input<typeof webhookConfigSchema>;
export type OutboxConfig = z.infer<typeof outboxConfigSchema>;
export type AlertsConfig = z.infer<typeof alertsConfigSchema>;
export type AlertsConfigInput = z.input<typeof alertsConfigSchema>;
