import { max, median } from 'simple-statistics';
import { detectorNames } from '../detectors/index.js';
import { type FalsePositiveKind, type FileMatch, falsePositiveKinds } from './match.js';

export type DetectorMetrics = {
  detector: string;
  labels: number;
  /** Labels with at least one matching finding. */
  truePositives: number;
  /** Labels with none. */
  falseNegatives: number;
  findings: number;
  /** Findings that match a label (several findings may match one label: one per window). */
  matchedFindings: number;
  /** Findings matching no label, by kind; `unlabelled` counts only when `countUnlabelled`. */
  falsePositives: number;
  falsePositivesByKind: Record<FalsePositiveKind, number>;
  /** matched findings / (matched findings + false positives); null without findings. */
  precision: number | null;
  /** detected labels / labels; null without labels. */
  recall: number | null;
  f1: number | null;
  delayMedianMs: number | null;
  delayMaxMs: number | null;
};

export type MetricsOptions = { countUnlabelled: boolean };

/** Per-detector precision, recall, F1 and detection delay over the matches of every file. */
export function detectorMetrics(matches: readonly FileMatch[], options: MetricsOptions): DetectorMetrics[] {
  return detectorNames.map((detector) => {
    const outcomes = matches.flatMap((match) =>
      match.labels.filter((outcome) => outcome.label.detector === detector),
    );
    const detected = outcomes.filter((outcome) => outcome.delayMs !== null);
    const delays = detected.map((outcome) => outcome.delayMs as number);
    const matchedFindings = matches.reduce(
      (sum, match) => sum + match.matched.filter((f) => f.detector === detector).length,
      0,
    );
    const byKind = Object.fromEntries(falsePositiveKinds.map((kind) => [kind, 0])) as Record<
      FalsePositiveKind,
      number
    >;
    for (const match of matches) {
      for (const { finding, kind } of match.falsePositives)
        if (finding.detector === detector) byKind[kind] += 1;
    }
    const falsePositives =
      byKind.benign +
      byKind.below_threshold +
      byKind.unexpected +
      (options.countUnlabelled ? byKind.unlabelled : 0);
    const precision =
      matchedFindings + falsePositives === 0 ? null : matchedFindings / (matchedFindings + falsePositives);
    const recall = outcomes.length === 0 ? null : detected.length / outcomes.length;
    return {
      detector,
      labels: outcomes.length,
      truePositives: detected.length,
      falseNegatives: outcomes.length - detected.length,
      findings: matchedFindings + falsePositives + (options.countUnlabelled ? 0 : byKind.unlabelled),
      matchedFindings,
      falsePositives,
      falsePositivesByKind: byKind,
      precision,
      recall,
      f1:
        precision === null || recall === null || precision + recall === 0
          ? null
          : (2 * precision * recall) / (precision + recall),
      delayMedianMs: delays.length === 0 ? null : median(delays),
      delayMaxMs: delays.length === 0 ? null : max(delays),
    };
  });
}
