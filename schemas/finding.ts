import { z } from 'zod';

export const severities = ['low', 'medium', 'high', 'critical'] as const;

export const findingSchema = z.object({
  /** Deterministic hash of detector, rule, key and window start: replaying the same traffic yields the same id. */
  id: z.string().min(1),
  /** The detector that raised it (detectors/index.ts lists them). */
  detector: z.string().min(1),
  rule: z.string().min(1),
  severity: z.enum(severities),
  score: z.number(),
  originCredential: z.string().min(1),
  credential: z.string().optional(),
  traceIds: z.array(z.string()),
  windowStart: z.number().int(),
  windowEnd: z.number().int(),
  detectedAt: z.number().int(),
  summary: z.string().min(1),
  evidence: z.record(z.string(), z.unknown()),
  /** The incident it joined (absent when silenced, or outside a pipeline that tracks incidents). */
  incidentId: z.string().optional(),
  /** The silence that matched it when it was raised: stored, joins no incident, notifies nobody. */
  silencedBy: z.string().optional(),
});

export type Severity = (typeof severities)[number];
export type Finding = z.infer<typeof findingSchema>;

const severityRank: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

export function severityAtLeast(severity: Severity, minimum: Severity): boolean {
  return severityRank[severity] >= severityRank[minimum];
}
