import { detectorNames } from '../detectors/index.js';
import type { EvaluationRun } from './evaluate.js';
import type { DetectorMetrics } from './metrics.js';

const ratio = (value: number | null): string => (value === null ? '—' : value.toFixed(3));
const seconds = (ms: number | null): string => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`);

function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

const metricHeader = [
  'labels',
  'TP',
  'FN',
  'findings',
  'FP',
  'precision',
  'recall',
  'F1',
  'delay p50',
  'delay max',
];

function metricCells(metrics: DetectorMetrics): string[] {
  return [
    String(metrics.labels),
    String(metrics.truePositives),
    String(metrics.falseNegatives),
    String(metrics.findings),
    String(metrics.falsePositives),
    ratio(metrics.precision),
    ratio(metrics.recall),
    ratio(metrics.f1),
    seconds(metrics.delayMedianMs),
    seconds(metrics.delayMaxMs),
  ];
}

/** One row per detector: label counts, precision / recall / F1 and detection delay. */
export function metricsTable(metrics: readonly DetectorMetrics[]): string {
  return table(
    ['detector', ...metricHeader],
    metrics.map((row) => [row.detector, ...metricCells(row)]),
  );
}

/**
 * The trade-off of one parameter: one row per value, for the detector the parameter belongs to
 * (`detectors.rate.…` → rate), or per (value, detector) for a shared one (lateness, lineage).
 */
export function sweepTable(
  parameter: string,
  runs: ReadonlyArray<{ value?: unknown; detectors: DetectorMetrics[] }>,
): string {
  const rows = runs.flatMap(({ value, detectors }) =>
    detectors
      .filter((row) => ownedBy(parameter, row.detector) ?? true)
      .map((row) => [
        formatValue(value),
        row.detector,
        ...metricCells(row),
        String(row.falsePositivesByKind.below_threshold),
      ]),
  );
  return table([parameter, 'detector', ...metricHeader, 'slow/low hit'], rows);
}

/** Whether a `detectors.<name>.…` parameter belongs to `detector`; undefined for a parameter of no single detector. */
function ownedBy(parameter: string, detector: string): boolean | undefined {
  const section = parameter.split('.')[1] ?? '';
  const owner = detectorNames.find((name) => name.replaceAll('_', '') === section.toLowerCase());
  return parameter.startsWith('detectors.') && owner !== undefined ? owner === detector : undefined;
}

function formatValue(value: unknown): string {
  return Array.isArray(value) ? value.join('|') : String(value);
}

const isoMinute = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const shortFile = (file: string): string => file.slice(file.lastIndexOf('/') + 1);

/** What an analyst tuning thresholds looks at next: the labels no finding matched, and the findings no label did. */
export function detailLines(run: EvaluationRun, limit: number): string[] {
  const lines: string[] = [];
  const missed = run.matches.flatMap(({ file, match }) =>
    match.labels
      .filter((outcome) => outcome.delayMs === null)
      .map((outcome) => ({ file, label: outcome.label })),
  );
  if (missed.length > 0) lines.push('', `missed labels (${missed.length}):`);
  for (const { file, label } of missed.slice(0, limit)) {
    const rule = label.rule ? `/${label.rule}` : '';
    lines.push(
      `  ${shortFile(file)}  ${label.detector}${rule}  ${label.originCredential}  from ${isoMinute(label.from)}`,
    );
  }
  const falsePositives = run.matches.flatMap(({ file, match }) =>
    match.falsePositives.map((entry) => ({ file, ...entry })),
  );
  if (falsePositives.length > 0) lines.push('', `findings matching no label (${falsePositives.length}):`);
  for (const { file, finding, kind } of falsePositives.slice(0, limit)) {
    lines.push(`  ${shortFile(file)}  [${kind}]  ${finding.detector}/${finding.rule}  ${finding.summary}`);
  }
  const hidden = Math.max(0, missed.length - limit) + Math.max(0, falsePositives.length - limit);
  if (hidden > 0) lines.push(`  … ${hidden} more (use --json for all)`);
  return lines;
}

/** The machine form of one run: metrics, then every miss and every unmatched finding. */
export function runJson(run: EvaluationRun) {
  return {
    ...(run.value === undefined ? {} : { value: run.value }),
    detectors: run.detectors,
    missed: run.matches.flatMap(({ file, match }) =>
      match.labels
        .filter((outcome) => outcome.delayMs === null)
        .map((outcome) => ({ file, ...outcome.label })),
    ),
    falsePositives: run.matches.flatMap(({ file, match }) =>
      match.falsePositives.map(({ finding, kind }) => ({
        file,
        kind,
        detector: finding.detector,
        rule: finding.rule,
        originCredential: finding.originCredential,
        windowStart: finding.windowStart,
        windowEnd: finding.windowEnd,
        summary: finding.summary,
      })),
    ),
  };
}
