import { createHash } from 'node:crypto';
import { z } from 'zod';
import { type Finding, severityAtLeast } from '../schemas/finding.js';
import { type Incident, type IncidentHighlight, incidentSchema } from '../schemas/incident.js';

const maxHighlights = 3;

export const incidentSnapshotSchema = z.object({ open: z.array(incidentSchema) });
export type IncidentSnapshot = z.infer<typeof incidentSnapshotSchema>;

export function incidentId(originCredential: string, firstFindingId: string): string {
  return createHash('sha256')
    .update(`incident\n${originCredential}\n${firstFindingId}`)
    .digest('hex')
    .slice(0, 32);
}

/**
 * Groups findings into incidents per origin credential, in event time: a finding whose window ends
 * within `quietMs` of its credential's open incident joins it, otherwise it opens a new one; the
 * watermark resolves an incident `quietMs` after its last finding. Every change is emitted as a new
 * version. Fed findings in the same order (the engine sorts each batch by window end and id), it
 * produces the same incidents however the input was batched.
 */
export class IncidentTracker {
  private readonly open = new Map<string, Incident>();
  /** No incident resolves before this; a lower bound (joins only push deadlines later). */
  private nextDeadline = Number.POSITIVE_INFINITY;

  constructor(
    private readonly settings: { quietMs: number; maxOpen: number },
    private readonly emit: (incident: Incident) => void,
    snapshot?: IncidentSnapshot,
  ) {
    for (const incident of snapshot?.open ?? []) this.keep(incident);
  }

  /** Adds a finding to its credential's incident and returns that incident's id. */
  add(finding: Finding): string {
    const current = this.open.get(finding.originCredential);
    if (current !== undefined && this.deadline(current) < finding.windowEnd) this.resolve(current);
    const open = this.open.get(finding.originCredential);
    const next = open === undefined ? this.opened(finding) : joined(open, finding);
    this.keep(next);
    this.emit(next);
    if (this.open.size > this.settings.maxOpen) this.resolve(this.quietest(), finding.windowEnd);
    return next.id;
  }

  /** Resolves every incident quiet since before `watermark − quietMs`, earliest first. */
  advance(watermark: number): void {
    if (watermark <= this.nextDeadline) return;
    const due = [...this.open.values()]
      .filter((incident) => this.deadline(incident) < watermark)
      .sort((a, b) => a.lastSeenAt - b.lastSeenAt || (a.id < b.id ? -1 : 1));
    for (const incident of due) this.resolve(incident);
    this.nextDeadline = Number.POSITIVE_INFINITY;
    for (const incident of this.open.values()) {
      this.nextDeadline = Math.min(this.nextDeadline, this.deadline(incident));
    }
  }

  size(): number {
    return this.open.size;
  }

  snapshot(): IncidentSnapshot {
    return { open: [...this.open.values()] };
  }

  private opened(finding: Finding): Incident {
    return {
      id: incidentId(finding.originCredential, finding.id),
      originCredential: finding.originCredential,
      state: 'open',
      severity: finding.severity,
      firstSeenAt: finding.windowStart,
      lastSeenAt: finding.windowEnd,
      resolvedAt: null,
      findingCount: 1,
      detectors: [finding.detector],
      rules: [`${finding.detector}/${finding.rule}`],
      highlights: [highlight(finding)],
      version: 1,
      change: 'opened',
      changedAt: finding.windowEnd,
      findingId: finding.id,
    };
  }

  private resolve(incident: Incident, at = this.deadline(incident)): void {
    this.open.delete(incident.originCredential);
    this.emit({
      ...incident,
      state: 'resolved',
      resolvedAt: at,
      version: incident.version + 1,
      change: 'resolved',
      changedAt: at,
      findingId: null,
    });
  }

  private keep(incident: Incident): void {
    this.open.set(incident.originCredential, incident);
    this.nextDeadline = Math.min(this.nextDeadline, this.deadline(incident));
  }

  private deadline(incident: Incident): number {
    return incident.lastSeenAt + this.settings.quietMs;
  }

  private quietest(): Incident {
    let quietest: Incident | undefined;
    for (const incident of this.open.values()) {
      if (quietest === undefined || incident.lastSeenAt < quietest.lastSeenAt) quietest = incident;
    }
    return quietest!;
  }
}

/** The next version of `incident` with `finding` in it: escalated when it raises the severity or brings a new detector. */
function joined(incident: Incident, finding: Finding): Incident {
  const raises = !severityAtLeast(incident.severity, finding.severity);
  const newDetector = !incident.detectors.includes(finding.detector);
  const rule = `${finding.detector}/${finding.rule}`;
  return {
    ...incident,
    severity: raises ? finding.severity : incident.severity,
    firstSeenAt: Math.min(incident.firstSeenAt, finding.windowStart),
    lastSeenAt: Math.max(incident.lastSeenAt, finding.windowEnd),
    findingCount: incident.findingCount + 1,
    detectors: newDetector ? [...incident.detectors, finding.detector].sort() : incident.detectors,
    rules: incident.rules.includes(rule) ? incident.rules : [...incident.rules, rule].sort(),
    highlights: withHighlight(incident.highlights, finding),
    version: incident.version + 1,
    change: raises || newDetector ? 'escalated' : 'joined',
    changedAt: finding.windowEnd,
    findingId: finding.id,
  };
}

function highlight(finding: Finding): IncidentHighlight {
  const { id, detector, rule, severity, summary } = finding;
  return { findingId: id, detector, rule, severity, summary };
}

/** The most severe findings, one per rule, the earliest kept among equals (so a storm of one rule shows once). */
function withHighlight(highlights: IncidentHighlight[], finding: Finding): IncidentHighlight[] {
  const same = highlights.find((entry) => entry.detector === finding.detector && entry.rule === finding.rule);
  if (same !== undefined && severityAtLeast(same.severity, finding.severity)) return highlights;
  const others = highlights.filter((entry) => entry !== same);
  const ranked = [...others, highlight(finding)].sort(
    (a, b) =>
      Number(severityAtLeast(b.severity, a.severity)) - Number(severityAtLeast(a.severity, b.severity)),
  );
  return ranked.slice(0, maxHighlights);
}
