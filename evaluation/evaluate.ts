import { createLogger } from '../common/logger.js';
import { assemble } from '../pipeline/assemble.js';
import type { HopwatchConfig } from '../pipeline/config.js';
import { type DetectionSummary, detectFiles } from '../pipeline/detect.js';
import { MemorySink } from '../pipeline/sinks/memory.js';
import { labelsPathFor, readLabels, type ScenarioLabels } from './labels.js';
import { type FileMatch, matchFindings } from './match.js';
import { type DetectorMetrics, detectorMetrics } from './metrics.js';
import { configWith, type Sweep } from './sweep.js';

export type EvaluateOptions = {
  files: string[];
  config: HopwatchConfig;
  sweep?: Sweep;
  /** Count findings on credentials the labels never mention as false positives (the default). */
  countUnlabelled: boolean;
  format?: string;
};

export type FileSummary = {
  file: string;
  records: number;
  events: number;
  rejected: number;
  rejections: DetectionSummary['rejections'];
  /** Records that were another observation point's view of a hop already counted. */
  mergedObservations: number;
};

export type EvaluationRun = {
  /** The swept value, when sweeping. */
  value?: unknown;
  detectors: DetectorMetrics[];
  matches: Array<{ file: string; match: FileMatch }>;
};

export type EvaluationResult = { files: FileSummary[]; runs: EvaluationRun[] };

/**
 * Runs the detection engine over every labelled file (a fresh engine per file and per swept value)
 * and scores its findings against the file's labels.
 */
export async function evaluate(
  options: EvaluateOptions,
): Promise<{ ok: true; result: EvaluationResult } | { ok: false; reason: string }> {
  const labelled: Array<{ file: string; labels: ScenarioLabels }> = [];
  for (const file of options.files) {
    const labels = readLabels(labelsPathFor(file));
    if (!labels.ok) return { ok: false, reason: `${file} has no usable labels: ${labels.reason}` };
    labelled.push({ file, labels: labels.labels });
  }
  const configs: Array<{ value?: unknown; config: HopwatchConfig }> = [];
  for (const value of options.sweep?.values ?? [undefined]) {
    if (options.sweep === undefined) {
      configs.push({ config: options.config });
      continue;
    }
    const swept = configWith(options.config, options.sweep, value);
    if (!swept.ok) return { ok: false, reason: `--sweep value ${String(value)}: ${swept.reason}` };
    configs.push({ value, config: swept.config });
  }
  const files: FileSummary[] = [];
  const matches = configs.map(() => [] as Array<{ file: string; match: FileMatch }>);
  for (const { file, labels } of labelled) {
    for (const [run, { config }] of configs.entries()) {
      const { findings, summary } = await detectFile(file, config, options.format);
      if (run === 0) files.push({ file, ...pick(summary) });
      matches[run]!.push({ file, match: matchFindings(findings, labels) });
    }
  }
  const runs = configs.map(({ value }, run) => ({
    ...(options.sweep === undefined ? {} : { value }),
    detectors: detectorMetrics(
      matches[run]!.map((entry) => entry.match),
      { countUnlabelled: options.countUnlabelled },
    ),
    matches: matches[run]!,
  }));
  return { ok: true, result: { files, runs } };
}

/** The pipeline `hopwatch detect` assembles, with the findings collected in memory instead of printed. */
async function detectFile(file: string, config: HopwatchConfig, format: string | undefined) {
  const memory = new MemorySink();
  const logger = createLogger('silent');
  const assembled = await assemble({ ...config, sinks: [], sources: [] }, { logger, extraSinks: [memory] });
  if (!assembled.ok) throw new Error(assembled.reason);
  const { pipeline } = assembled;
  const summary = await detectFiles([file], pipeline.lane('file'), { format, logger });
  await pipeline.close();
  return { findings: memory.findings, summary };
}

function pick(summary: DetectionSummary) {
  const { records, events, rejected, rejections, mergedObservations } = summary;
  return { records, events, rejected, rejections, mergedObservations };
}
