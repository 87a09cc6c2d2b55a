import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { median } from './measure.js';

/** One row of bench/results.json, in the shape issue 9 gives. */
export type CaseResult = {
  name: string;
  value: number;
  unit: string;
  higherIsBetter: boolean;
  /** The bare limit measured in the same run, in the same unit; null when the case has none. */
  baseline: number | null;
  ratio: number | null;
  target: number | null;
  met: boolean | null;
};

export type Machine = { cores: number; cpu: string; node: string; nodeFlags: string[] };

export function machine(): Machine {
  const all = cpus();
  return {
    cores: all.length,
    cpu: all[0]?.model.trim() ?? 'unknown',
    node: process.version,
    nodeFlags: process.execArgv,
  };
}

export function caseResult(fields: {
  name: string;
  value: number;
  unit: string;
  higherIsBetter?: boolean;
  baseline?: number | null;
  target?: number | null;
}): CaseResult {
  const higherIsBetter = fields.higherIsBetter ?? true;
  const baseline = fields.baseline ?? null;
  const target = fields.target ?? null;
  return {
    name: fields.name,
    value: round(fields.value),
    unit: fields.unit,
    higherIsBetter,
    baseline: baseline === null ? null : round(baseline),
    ratio: baseline === null || baseline === 0 ? null : Number((fields.value / baseline).toFixed(3)),
    target,
    met: target === null ? null : higherIsBetter ? fields.value >= target : fields.value <= target,
  };
}

/**
 * The median of one case measured in several processes: its value, and its baseline unless the one
 * given (the median of the case it is measured against).
 */
export function medianResult(results: readonly CaseResult[], baseline?: number): CaseResult {
  const first = results[0];
  if (first === undefined) throw new Error('median of no results');
  const baselines = results.flatMap((result) => (result.baseline === null ? [] : [result.baseline]));
  return caseResult({
    ...first,
    value: median(results.map((result) => result.value)),
    baseline: baseline ?? (baselines.length === 0 ? null : median(baselines)),
  });
}

function round(value: number): number {
  return Math.abs(value) >= 100 ? Math.round(value) : Number(value.toFixed(3));
}

const number = (value: number | null): string => (value === null ? '—' : value.toLocaleString('en-US'));

function metCell(result: CaseResult): string {
  if (result.met === null) return '—';
  return result.met ? 'yes' : 'no';
}

/** One line per case with a target: met, or missed by how much (relative to the target). */
export function targetLines(results: readonly CaseResult[]): string[] {
  return results
    .filter((result) => result.target !== null)
    .map((result) => {
      const target = result.target!;
      const gap = result.higherIsBetter ? 1 - result.value / target : result.value / target - 1;
      const verdict = result.met ? 'met' : `missed by ${(gap * 100).toFixed(0)} %`;
      return `${result.name}: ${number(result.value)} ${result.unit} against ${result.higherIsBetter ? '≥' : '≤'} ${number(target)}, ${verdict}.`;
    });
}

export function resultsTable(results: readonly CaseResult[]): string {
  const rows = results.map(
    (result) =>
      `| ${result.name} | ${number(result.value)} | ${result.unit} | ${number(result.baseline)} | ${
        result.ratio === null ? '—' : result.ratio.toFixed(2)
      } | ${result.target === null ? '—' : `${result.higherIsBetter ? '≥' : '≤'} ${number(result.target)}`} | ${metCell(result)} |`,
  );
  return [
    '| case | value | unit | bare baseline | ratio | target | met |',
    '|---|---:|---|---:|---:|---|---|',
    ...rows,
  ].join('\n');
}

export function writeResults(
  directory: string,
  results: readonly CaseResult[],
  notes: readonly string[],
  analysis: readonly string[],
  wallSeconds: number,
): void {
  const host = machine();
  writeFileSync(
    `${directory}/results.json`,
    `${JSON.stringify({ machine: host, cases: results }, null, 2)}\n`,
  );
  const markdown = [
    '# hopwatch benchmarks',
    '',
    `Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)} in ${Math.round(wallSeconds)} s. ` +
      'Each figure is the median of several runs after a warm-up; every case measures its bare ' +
      'baseline in the same run, and the ratio (value / baseline) is the figure to compare across machines.',
    '',
    `Machine: ${host.cores} cores, ${host.cpu}, Node ${host.node} (${host.nodeFlags.join(' ') || 'no flags'}).`,
    '',
    resultsTable(results),
    '',
    '## Targets',
    '',
    ...targetLines(results).map((line) => `- ${line}`),
    '',
    '## Where the time and memory go, and what would close the gaps',
    '',
    ...analysis.map((line) => `- ${line}`),
    '',
    '## Notes on this run',
    '',
    ...notes.map((note) => `- ${note}`),
    '',
  ].join('\n');
  writeFileSync(`${directory}/RESULTS.md`, markdown);
}
