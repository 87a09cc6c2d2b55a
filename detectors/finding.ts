import { createHash } from 'node:crypto';
import { type Finding, type Severity, severities } from '../schemas/finding.js';
import type { ClosedWindow } from './window.js';

/** sha256 of detector, rule, key and window start (hex prefix): the same traffic yields the same id. */
export function findingId(detector: string, rule: string, key: string, windowStart: number): string {
  return createHash('sha256')
    .update(`${detector}\n${rule}\n${key}\n${windowStart}`)
    .digest('hex')
    .slice(0, 32);
}

/**
 * How far past its threshold a behaviour went (1 = just past) raises the rule's base severity: two
 * times the threshold one step, four times two steps.
 */
export function severityFor(base: Severity, excess: number): Severity {
  const steps = excess >= 4 ? 2 : excess >= 2 ? 1 : 0;
  const rank = Math.min(severities.indexOf(base) + steps, severities.length - 1);
  return severities[rank]!;
}

/** 0–100: 50 just past the threshold, 75 at twice, 100 from four times. */
export function scoreFor(excess: number): number {
  const score = 50 + 25 * Math.log2(Math.max(excess, 1));
  return Math.round(Math.min(100, score) * 10) / 10;
}

export type FindingDraft = {
  detector: string;
  rule: string;
  key: string;
  baseSeverity: Severity;
  excess: number;
  originCredential: string;
  credential?: string;
  traceIds: string[];
  windowStart: number;
  windowEnd: number;
  summary: string;
  evidence: Record<string, unknown>;
};

export function buildFinding(draft: FindingDraft, detectedAt: number): Finding {
  const finding: Finding = {
    id: findingId(draft.detector, draft.rule, draft.key, draft.windowStart),
    detector: draft.detector,
    rule: draft.rule,
    severity: severityFor(draft.baseSeverity, draft.excess),
    score: scoreFor(draft.excess),
    originCredential: draft.originCredential,
    traceIds: draft.traceIds,
    windowStart: draft.windowStart,
    windowEnd: draft.windowEnd,
    detectedAt,
    summary: draft.summary,
    evidence: draft.evidence,
  };
  if (draft.credential !== undefined) finding.credential = draft.credential;
  return finding;
}

/** What every finding about one root action's window shares: its key, origin, trace and bounds. */
export function rootWindowDraft(
  detector: string,
  rule: string,
  closed: ClosedWindow<{ origin: string; traceId: string }>,
) {
  return {
    detector,
    rule,
    key: closed.key,
    originCredential: closed.acc.origin,
    traceIds: [closed.acc.traceId],
    windowStart: closed.start,
    windowEnd: closed.end,
  };
}
