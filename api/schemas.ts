import { z } from 'zod';
import { detectorNames } from '../detectors/index.js';
import { formatNames } from '../ingest/normalize.js';
import { deadLetterSchema, storedDeadLetterSchema } from '../schemas/dead-letter.js';
import { findingSchema, severities } from '../schemas/finding.js';
import { incidentSchema, incidentStates } from '../schemas/incident.js';
import { silenceSchema } from '../schemas/silence.js';

const detectorName = z.enum(detectorNames as [string, ...string[]]);

import { resolvedHopSchema } from '../schemas/resolved-hop.js';

/** Request and response shapes of the API that are not domain records; the OpenAPI document is built from them. */

const EPOCH_MS = /^\d{1,15}$/;

/** A point in time as ISO 8601 (`2025-06-01T12:00:00Z`) or epoch milliseconds, parsed to epoch ms. */
export const instantParam = z.string().transform((value, context) => {
  const ms = EPOCH_MS.test(value) ? Number(value) : Date.parse(value);
  if (Number.isNaN(ms)) {
    context.addIssue({ code: 'custom', message: 'expected ISO 8601 or epoch milliseconds' });
    return z.NEVER;
  }
  return ms;
});

/** The page parameters every list shares. */
const pageParams = {
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().min(1).optional().describe('nextCursor of the previous page'),
};

/** A list query whose `from` must come before its `to`. */
function listQuery<Shape extends z.ZodRawShape & { from: z.ZodOptional; to: z.ZodOptional }>(shape: Shape) {
  return z
    .object({ ...shape, ...pageParams })
    .strict()
    .refine(
      (query) => {
        const { from, to } = query as { from?: number; to?: number };
        return from === undefined || to === undefined || from < to;
      },
      { path: ['to'], message: 'must be later than from' },
    );
}

export const findingsQuerySchema = listQuery({
  detector: detectorName.optional(),
  severity: z.enum(severities).optional(),
  originCredential: z.string().min(1).optional(),
  from: instantParam.optional().describe('windowEnd at or after this instant (ISO 8601 or epoch ms)'),
  to: instantParam.optional().describe('windowEnd before this instant (ISO 8601 or epoch ms)'),
  incidentId: z.string().min(1).optional().describe('findings that joined this incident'),
});

export const findingPageSchema = z.object({
  items: z.array(findingSchema),
  nextCursor: z.string().nullable(),
});

export const deadLettersQuerySchema = listQuery({
  source: deadLetterSchema.shape.source.optional().describe('where the records came from'),
  format: z
    .string()
    .min(1)
    .optional()
    .describe('the format the record was read as (absent when none was recognised)'),
  from: instantParam.optional().describe('received at or after this instant (ISO 8601 or epoch ms)'),
  to: instantParam.optional().describe('received before this instant (ISO 8601 or epoch ms)'),
});

export const deadLetterPageSchema = z.object({
  items: z.array(storedDeadLetterSchema),
  nextCursor: z.string().nullable(),
});

export const idParamsSchema = z.object({ id: z.string().min(1) });
export const traceParamsSchema = z.object({ traceId: z.string().min(1) });

export const credentialSummarySchema = z.object({
  credential: z.string(),
  findings: z.array(z.object({ detector: detectorName, severity: z.enum(severities), count: z.number() })),
  firstSeen: z.number().nullable(),
  lastSeen: z.number().nullable(),
  hopCount: z.number(),
  topDestinations: z.array(z.object({ service: z.string(), count: z.number() })),
});

/** A hop in a lineage tree; its root → hop path is the way down the tree, so it is not repeated. */
export const traceHopSchema = resolvedHopSchema.omit({ path: true });

export type TraceNode = { hop: z.infer<typeof traceHopSchema>; inferred: boolean; children: TraceNode[] };

export const traceNodeSchema: z.ZodType<TraceNode> = z.object({
  hop: traceHopSchema,
  inferred: z.boolean().describe('true when the edge to the parent was inferred from timing, not span ids'),
  get children() {
    return z.array(traceNodeSchema);
  },
});

export const traceTreeSchema = z.object({
  traceId: z.string(),
  hopCount: z.number().int(),
  originCredentials: z.array(z.string()),
  roots: z.array(traceNodeSchema),
});

/** Content types POST /v1/ingest reads as a stream of lines. */
export const ndjsonContentTypes = ['application/x-ndjson', 'text/plain'];
/** The content type POST /v1/ingest reads whole, as one JSON document: an array of records, or one record. */
export const jsonContentType = 'application/json';
export const ingestContentTypes = [...ndjsonContentTypes, jsonContentType];

export const ingestQuerySchema = z
  .object({
    format: z
      .enum(formatNames as [string, ...string[]])
      .optional()
      .describe('log format of every line; absent or auto: detected per line'),
  })
  .strict();

export const ingestResultSchema = z.object({
  accepted: z.number().int().describe('records (lines) decoded into hop events'),
  rejected: z.number().int().describe('records that could not be decoded (stored as dead letters)'),
  events: z.number().int().describe('hop events produced (an OTLP record can hold many spans)'),
  rejects: z
    .array(
      z.object({
        line: z.number().int().describe("the record's line in an NDJSON body, its position in a JSON array"),
        reason: z.string(),
      }),
    )
    .describe('the first rejected records'),
});

export type IngestResult = z.infer<typeof ingestResultSchema>;

export const healthSchema = z.object({ status: z.literal('ok') });

export const readinessSchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  store: z.boolean(),
  sources: z.record(z.string(), z.boolean()),
});

const countsSchema = z.record(z.string(), z.number());

const engineStatsSchema = z.object({
  eventsObserved: z.number(),
  lateEvents: z.number(),
  trackedTraces: z.number(),
  pendingHops: z.number(),
  evictedTraces: z.number(),
  windowsClosedEarly: countsSchema.describe(
    'per detector, windows judged before the watermark reached their end (detectors.maxOpenWindows)',
  ),
  watermark: z.number().nullable(),
  findingsByDetector: countsSchema,
  duplicateHops: z.number(),
  mergedObservations: z.number(),
  detectorState: countsSchema.describe('entries held per detector'),
  openIncidents: z.number(),
});

export const statsSchema = z.object({
  store: z.object({ findings: z.number(), hops: z.number(), deadLetters: z.number() }),
  ingest: z.object({
    recordsReceived: countsSchema.describe('by source'),
    eventsIngested: countsSchema.describe('by format'),
    recordsRejected: countsSchema.describe('by source'),
    findingsRaised: countsSchema.describe('by detector, since start'),
    storePendingRows: z.number(),
    hopsPastRetention: z.number().describe('hops not stored: their event time was past store.hopsTtlDays'),
    hopsNotStored: z
      .number()
      .describe('hops not stored under store.hops: findings: no finding named their trace'),
    findingCopiesSkipped: z
      .number()
      .describe('copies of a finding or incident version the findings topic had already (Kafka)'),
  }),
  engine: engineStatsSchema.describe('every lane added up; the watermark is the most advanced one'),
  lanes: z
    .record(z.string(), engineStatsSchema)
    .describe(
      'each lane by name: one per source; in a split pipeline kafka is the ingest stage, kafka-detect the detect stage',
    ),
});

export const incidentsQuerySchema = listQuery({
  state: z.enum(incidentStates).optional(),
  severity: z.enum(severities).optional(),
  detector: detectorName.optional().describe('incidents a finding of this detector joined'),
  originCredential: z.string().min(1).optional(),
  from: instantParam.optional().describe('last finding at or after this instant (ISO 8601 or epoch ms)'),
  to: instantParam.optional().describe('first finding before this instant (ISO 8601 or epoch ms)'),
});

export const incidentPageSchema = z.object({
  items: z.array(incidentSchema),
  nextCursor: z.string().nullable(),
});

export const incidentDetailQuerySchema = z
  .object({ findings: z.coerce.number().int().min(0).max(1000).default(100) })
  .strict();

export const incidentDetailSchema = z.object({
  incident: incidentSchema,
  timeline: z.array(incidentSchema).describe('every version but `joined`: opened, escalated, resolved'),
  findings: findingPageSchema.describe('its latest findings; page on with /v1/findings?incidentId='),
});

export const silenceListSchema = z.object({ items: z.array(silenceSchema) });

export const activityQuerySchema = z
  .object({
    from: instantParam.optional().describe('start (ISO 8601 or epoch ms); default: maxBuckets before `to`'),
    to: instantParam.optional().describe('end, exclusive; default: just after the latest hop'),
    bucketSeconds: z.coerce.number().int().min(10).max(86_400).default(60),
  })
  .strict();

const firstSeenEntry = {
  hops: z.number(),
  firstSeen: z.number().describe('first hop to it in all stored history'),
  new: z.boolean().describe('first seen inside [from, to)'),
};

export const credentialActivitySchema = z.object({
  credential: z.string(),
  from: z.number(),
  to: z.number(),
  bucketMs: z.number(),
  buckets: z.array(
    z.object({
      start: z.number(),
      hops: z.number(),
      authFailures: z.number(),
      baseline: z.number().nullable().describe('median hops of the previous buckets (null while too few)'),
    }),
  ),
  /** rate.maxRequestsPerOrigin scaled to one bucket (per-credential overrides not applied). */
  threshold: z.number(),
  destinations: z.array(z.object({ service: z.string(), ...firstSeenEntry })),
  tools: z.array(z.object({ tool: z.string(), ...firstSeenEntry })),
});
