import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { type EvaluationResult, evaluate } from '../evaluation/evaluate.js';
import type { DetectorMetrics } from '../evaluation/metrics.js';
import { detailLines, metricsTable, runJson, sweepTable } from '../evaluation/report.js';
import { parseSweep, type Sweep } from '../evaluation/sweep.js';
import { formatNames } from '../ingest/normalize.js';
import { loadConfig } from '../pipeline/load-config.js';

type EvaluateFlags = {
  config?: string;
  json?: boolean;
  sweep?: string;
  format: string;
  unlabelled: boolean;
  failUnder?: string;
  details: string;
};

/** `hopwatch evaluate`: precision, recall and detection delay per detector on labelled traffic. */
export function register(program: Command): void {
  program
    .command('evaluate')
    .description(
      'Run detection over labelled traffic files (X.ndjson + X.labels.json) and score it per detector',
    )
    .argument('<files...>', 'traffic files, each with a .labels.json sidecar')
    .option('--config <file>', 'hopwatch.yaml to take lineage and detector settings from')
    .option('--json', 'machine-readable output')
    .option('--sweep <param=values>', 'rerun with each value, e.g. rate.maxAuthFailures=10,20,40')
    .option('--format <format>', `record format (${formatNames.join(', ')})`, 'auto')
    .option(
      '--no-unlabelled',
      'do not count findings on credentials the labels never mention as false positives',
    )
    .option('--fail-under <ratio>', 'exit 1 when a labelled detector has precision or recall below this')
    .option('--details <n>', 'missed labels and unmatched findings listed in the table output', '20')
    .action(async (files: string[], flags: EvaluateFlags) => {
      const fail = (message: string): never => program.error(message, { exitCode: 2 });
      if (!formatNames.includes(flags.format)) fail(`--format must be one of ${formatNames.join(', ')}`);
      const missing = files.find((file) => !existsSync(file));
      if (missing !== undefined) fail(`no such file: ${missing}`);
      const loaded = loadConfig(flags.config);
      if (!loaded.ok) fail(loaded.reason);
      const config = loaded.ok ? loaded.config : fail('unreachable');
      let sweep: Sweep | undefined;
      if (flags.sweep !== undefined) {
        const parsed = parseSweep(flags.sweep, config);
        sweep = parsed.ok ? parsed.sweep : fail(parsed.reason);
      }
      const threshold = flags.failUnder === undefined ? undefined : Number(flags.failUnder);
      if (threshold !== undefined && !(threshold >= 0 && threshold <= 1))
        fail('--fail-under must be between 0 and 1');
      const outcome = await evaluate({
        files,
        config,
        countUnlabelled: flags.unlabelled,
        format: flags.format,
        ...(sweep ? { sweep } : {}),
      });
      if (!outcome.ok) return fail(outcome.reason);
      process.stdout.write(`${render(outcome.result, flags, sweep)}\n`);
      const metrics = outcome.result.runs.flatMap((run) => run.detectors);
      if (
        threshold !== undefined &&
        sweep === undefined &&
        metrics.some((row) => belowThreshold(row, threshold))
      ) {
        process.exitCode = 1;
      }
    });
}

function render(result: EvaluationResult, flags: EvaluateFlags, sweep: Sweep | undefined): string {
  if (flags.json) {
    const runs = result.runs.map(runJson);
    const body = sweep
      ? { parameter: sweep.parameter, files: result.files, runs }
      : { files: result.files, ...runs[0] };
    return JSON.stringify(body, null, 2);
  }
  const records = result.files.reduce((sum, file) => sum + file.records, 0);
  const rejected = result.files.reduce((sum, file) => sum + file.rejected, 0);
  const header = `${result.files.length} file(s), ${records} records, ${rejected} rejected`;
  if (sweep) return [header, '', sweepTable(sweep.parameter, result.runs)].join('\n');
  const run = result.runs[0]!;
  return [header, '', metricsTable(run.detectors), ...detailLines(run, Number(flags.details) || 0)].join(
    '\n',
  );
}

function belowThreshold(row: DetectorMetrics, threshold: number): boolean {
  if (row.labels === 0) return row.falsePositives > 0 && (row.precision ?? 1) < threshold;
  return (row.precision ?? 0) < threshold || (row.recall ?? 0) < threshold;
}
