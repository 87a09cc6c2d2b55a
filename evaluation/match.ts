import type { Finding } from '../schemas/finding.js';
import { benignCredential, type ScenarioLabel, type ScenarioLabels } from './labels.js';

/**
 * Why a finding matched no label:
 * - `benign`: on an origin credential declared benign;
 * - `below_threshold`: on a benign entry with a note (an attack kept under the thresholds on purpose);
 * - `unexpected`: on a labelled credential, but no label of its detector/rule/time;
 * - `unlabelled`: on a credential the labels file does not mention at all.
 */
export const falsePositiveKinds = ['benign', 'below_threshold', 'unexpected', 'unlabelled'] as const;
export type FalsePositiveKind = (typeof falsePositiveKinds)[number];

export type LabelOutcome = {
  label: ScenarioLabel;
  /** Findings matching the label, earliest window end first. */
  findings: Finding[];
  /** Event time from the label's `from` to the end of the earliest matching finding's window. */
  delayMs: number | null;
};

export type FileMatch = {
  labels: LabelOutcome[];
  matched: Finding[];
  falsePositives: Array<{ finding: Finding; kind: FalsePositiveKind }>;
};

/** A finding matches a label when detector, rule (if the label names one) and origin agree and its window overlaps [from, to]. */
export function findingMatches(finding: Finding, label: ScenarioLabel): boolean {
  return (
    finding.detector === label.detector &&
    (label.rule === undefined || finding.rule === label.rule) &&
    finding.originCredential === label.originCredential &&
    finding.windowStart <= label.to &&
    finding.windowEnd > label.from
  );
}

export function matchFindings(findings: readonly Finding[], labels: ScenarioLabels): FileMatch {
  const outcomes: LabelOutcome[] = labels.labels.map((label) => {
    const hits = findings
      .filter((finding) => findingMatches(finding, label))
      .sort((a, b) => a.windowEnd - b.windowEnd);
    const first = hits[0];
    return {
      label,
      findings: hits,
      delayMs: first === undefined ? null : Math.max(0, first.windowEnd - label.from),
    };
  });
  const benignNotes = new Map(
    labels.benign.map((entry) => [
      benignCredential(entry),
      typeof entry !== 'string' && entry.note !== undefined,
    ]),
  );
  const labelled = new Set(labels.labels.map((label) => label.originCredential));
  const matched: Finding[] = [];
  const falsePositives: FileMatch['falsePositives'] = [];
  for (const finding of findings) {
    if (labels.labels.some((label) => findingMatches(finding, label))) {
      matched.push(finding);
      continue;
    }
    const noted = benignNotes.get(finding.originCredential);
    const kind: FalsePositiveKind =
      noted === undefined
        ? labelled.has(finding.originCredential)
          ? 'unexpected'
          : 'unlabelled'
        : noted
          ? 'below_threshold'
          : 'benign';
    falsePositives.push({ finding, kind });
  }
  return { labels: outcomes, matched, falsePositives };
}
