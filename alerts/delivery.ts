import { z } from 'zod';

export const deliveryStates = ['pending', 'delivered', 'failed'] as const;

/** One alert delivery: one finding, or one version of an incident, to one webhook, whatever the number of attempts. */
export const alertDeliverySchema = z.object({
  /** Deterministic per (finding id, webhook) or (incident id and version, webhook); sent as X-Hopwatch-Delivery. */
  id: z.string(),
  /** Set on a delivery of a finding (`notify: findings`). */
  findingId: z.string().optional(),
  /** Set on a delivery of an incident's change (`notify: incidents`). */
  incidentId: z.string().optional(),
  webhook: z.string(),
  state: z.enum(deliveryStates),
  attempts: z.number().int().nonnegative(),
  /** Epoch ms of the next attempt; null once delivered or failed. */
  nextAttemptAt: z.number().int().nullable(),
  /** HTTP status of the last attempt that got a response. */
  lastStatus: z.number().int().optional(),
  /** Why the last attempt did not deliver (also why a delivery failed). */
  lastError: z.string().optional(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
});

/** Query of `list()`, newest first; shaped for `GET /v1/alerts`. */
export const alertDeliveryFilterSchema = z.object({
  state: z.enum(deliveryStates).optional(),
  webhook: z.string().optional(),
  findingId: z.string().optional(),
  incidentId: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  /** Opaque: the `nextCursor` of the previous page. */
  cursor: z
    .string()
    .regex(/^\d{1,15}$/, 'must be a nextCursor returned by a previous page')
    .optional(),
});

export const alertDeliveryPageSchema = z.object({
  items: z.array(alertDeliverySchema),
  /** Pass as `cursor` for the next page; null on the last one (the same shape as every list of the API). */
  nextCursor: z.string().nullable(),
});

export type DeliveryState = (typeof deliveryStates)[number];
export type AlertDelivery = z.infer<typeof alertDeliverySchema>;
export type AlertDeliveryFilter = z.infer<typeof alertDeliveryFilterSchema>;
export type AlertDeliveryPage = z.infer<typeof alertDeliveryPageSchema>;

/** How the attempts since start-up ended: a counter per outcome, for metrics. */
export const attemptOutcomes = [
  'delivered',
  'rejected',
  'http_error',
  'redirect',
  'timeout',
  'network_error',
] as const;
export type AttemptOutcomeKind = (typeof attemptOutcomes)[number];

export type DeliveryCounts = Record<DeliveryState, number>;

export type AlertDeliveryStats = DeliveryCounts & {
  attemptsByOutcome: Record<AttemptOutcomeKind, number>;
  byWebhook: Record<string, DeliveryCounts>;
};
