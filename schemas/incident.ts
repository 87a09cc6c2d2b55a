import { z } from 'zod';
import { severities } from './finding.js';

/** What happened to an incident in one version: the first finding, one more, one that raised it, or quiet. */
export const incidentChanges = ['opened', 'joined', 'escalated', 'resolved'] as const;
export const incidentStates = ['open', 'resolved'] as const;

/** A finding as an incident shows it at a glance: its most severe findings, most severe first. */
export const incidentHighlightSchema = z.object({
  findingId: z.string(),
  detector: z.string(),
  rule: z.string(),
  severity: z.enum(severities),
  summary: z.string(),
});

/**
 * One version of an incident: the findings of one origin credential that came while it was open. Every
 * change is a new version (1 = opened); the id and every version follow from the findings alone, so a
 * replay of the same traffic writes the same rows. Instants are event time, epoch ms.
 */
export const incidentSchema = z.object({
  /** Deterministic hash of the origin credential and the id of the finding that opened it. */
  id: z.string().min(1),
  originCredential: z.string().min(1),
  state: z.enum(incidentStates),
  /** The highest severity of its findings. */
  severity: z.enum(severities),
  /** The earliest window start of its findings. */
  firstSeenAt: z.number().int(),
  /** The latest window end of its findings; it resolves `quietMs` after this without another. */
  lastSeenAt: z.number().int(),
  resolvedAt: z.number().int().nullable(),
  findingCount: z.number().int().positive(),
  /** Sorted. */
  detectors: z.array(z.string()),
  /** `detector/rule`, sorted. */
  rules: z.array(z.string()),
  highlights: z.array(incidentHighlightSchema),
  version: z.number().int().positive(),
  change: z.enum(incidentChanges),
  /** Event time of this version's change: the joining finding's window end, or the resolution time. */
  changedAt: z.number().int(),
  /** The finding this version's change came with (none for `resolved`). */
  findingId: z.string().nullable(),
});

export type IncidentChange = (typeof incidentChanges)[number];
export type IncidentHighlight = z.infer<typeof incidentHighlightSchema>;
export type Incident = z.infer<typeof incidentSchema>;

/** The changes a webhook is told about; `joined` only updates the stored incident. */
export function isNotifiable(change: IncidentChange): boolean {
  return change !== 'joined';
}
