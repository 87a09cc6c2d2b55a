import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../evaluation/evaluate.js';
import type { ScenarioLabels } from '../evaluation/labels.js';
import { matchFindings } from '../evaluation/match.js';
import { detectorMetrics } from '../evaluation/metrics.js';
import { configWith, parseSweep } from '../evaluation/sweep.js';
import { parseConfig } from '../pipeline/load-config.js';
import type { Finding } from '../schemas/finding.js';
import { assertBuilt, HOPWATCH_BIN } from './helpers/api-process.js';

const scenarioDir = 'fixtures/scenarios';
const committedSet = readdirSync(scenarioDir)
  .filter((name) => name.endsWith('.ndjson'))
  .map((name) => join(scenarioDir, name));

function defaults() {
  const parsed = parseConfig({});
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.config;
}

describe('the committed scenario set under the default configuration', () => {
  it('is detected with precision and recall of at least 0.95 by every detector', async () => {
    const outcome = await evaluate({ files: committedSet, config: defaults(), countUnlabelled: true });
    if (!outcome.ok) throw new Error(outcome.reason);
    const [run] = outcome.result.runs;
    expect(outcome.result.files.every((file) => file.rejected === 0)).toBe(true);
    for (const metrics of run!.detectors) {
      expect(metrics.labels, metrics.detector).toBeGreaterThan(0);
      expect(metrics.precision, metrics.detector).toBeGreaterThanOrEqual(0.95);
      expect(metrics.recall, metrics.detector).toBeGreaterThanOrEqual(0.95);
    }
  });
});

const origin = 'jwt:https://idp.example|agent:a';
const labels: ScenarioLabels = {
  labels: [
    { originCredential: origin, detector: 'recursion', rule: 'repeat', from: 1_000, to: 5_000 },
    { originCredential: origin, detector: 'fanout', from: 100_000, to: 110_000 },
  ],
  benign: [
    'jwt:https://idp.example|agent:quiet',
    { originCredential: 'key:slow', note: 'kept under the limit' },
  ],
};

function finding(fields: Partial<Finding>): Finding {
  return {
    id: 'f',
    detector: 'recursion',
    rule: 'repeat',
    severity: 'high',
    score: 80,
    originCredential: origin,
    traceIds: [],
    windowStart: 0,
    windowEnd: 60_000,
    detectedAt: 0,
    summary: 'test finding',
    evidence: {},
    ...fields,
  };
}

describe('matching findings to labels', () => {
  const findings = [
    finding({ windowStart: 0, windowEnd: 60_000 }),
    finding({ windowStart: 60_000, windowEnd: 120_000 }),
    finding({ rule: 'cycle', windowStart: 0, windowEnd: 60_000 }),
    finding({ originCredential: 'jwt:https://idp.example|agent:quiet' }),
    finding({ originCredential: 'key:slow', detector: 'rate', rule: 'origin_rate' }),
    finding({ originCredential: 'jwt:https://idp.example|agent:stranger', detector: 'rate' }),
  ];
  const match = matchFindings(findings, labels);

  it('matches on detector, rule, origin and an overlapping window, and measures the delay to the window end', () => {
    const [repeat, fanout] = match.labels;
    expect(repeat!.findings).toHaveLength(1);
    expect(repeat!.delayMs).toBe(59_000);
    expect(fanout!.findings).toHaveLength(0);
    expect(fanout!.delayMs).toBeNull();
  });

  it('tells apart why an unmatched finding is a false positive', () => {
    expect(match.falsePositives.map((entry) => entry.kind)).toEqual([
      'unexpected',
      'unexpected',
      'benign',
      'below_threshold',
      'unlabelled',
    ]);
  });

  it('scores each detector, counting unlabelled credentials as false positives unless told not to', () => {
    const [fanout, recursion, , rate] = detectorMetrics([match], { countUnlabelled: true });
    expect(recursion).toMatchObject({ labels: 1, truePositives: 1, falseNegatives: 0, matchedFindings: 1 });
    expect(recursion!.falsePositives).toBe(3);
    expect(recursion!.precision).toBeCloseTo(0.25);
    expect(recursion!.f1).toBeCloseTo(0.4);
    expect(fanout).toMatchObject({ labels: 1, truePositives: 0, recall: 0, precision: null });
    expect(rate).toMatchObject({ falsePositives: 2, precision: 0 });
    const [, , , lenient] = detectorMetrics([match], { countUnlabelled: false });
    expect(lenient).toMatchObject({ falsePositives: 1, findings: 2 });
  });
});

describe('sweeping a parameter', () => {
  const config = defaults();

  it('reads a detector parameter and its values', () => {
    const parsed = parseSweep('rate.maxAuthFailures=10,20,40', config);
    expect(parsed).toEqual({
      ok: true,
      sweep: {
        parameter: 'detectors.rate.maxAuthFailures',
        path: ['detectors', 'rate', 'maxAuthFailures'],
        values: [10, 20, 40],
      },
    });
    const lineage = parseSweep('lineage.graceMs=1000', config);
    expect(lineage.ok && lineage.sweep.path).toEqual(['lineage', 'graceMs']);
  });

  it('refuses a parameter the configuration does not have', () => {
    const parsed = parseSweep('rate.maxAuthFailure=10', config);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain('detectors.rate.maxAuthFailure');
  });

  it('validates each value, naming the field of a bad one', () => {
    const parsed = parseSweep('fanout.maxDescendants=-1', config);
    if (!parsed.ok) throw new Error(parsed.reason);
    const swept = configWith(config, parsed.sweep, -1);
    expect(swept.ok).toBe(false);
    if (!swept.ok) expect(swept.reason).toContain('detectors.fanout.maxDescendants');
  });
});

describe('hopwatch evaluate', () => {
  beforeAll(assertBuilt);
  const run = (args: string[]) =>
    spawnSync(process.execPath, [HOPWATCH_BIN, 'evaluate', ...args], { encoding: 'utf8' });

  it('prints the metrics as JSON and passes --fail-under on the committed set', () => {
    const result = run(['--json', '--fail-under', '0.95', ...committedSet]);
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as {
      detectors: Array<{ detector: string; recall: number }>;
      missed: unknown[];
    };
    expect(report.detectors.map((row) => row.detector)).toEqual([
      'fanout',
      'recursion',
      'scope_expansion',
      'rate',
    ]);
    expect(report.missed).toEqual([]);
  });

  it('shows the trade-off of a swept threshold: a lower repeat limit also flags the slow retry loop', () => {
    const files = committedSet.filter(
      (file) => file.includes('runaway-retry') || file.includes('code-assistant'),
    );
    const result = run(['--json', '--sweep', 'recursion.maxRepeats=10,20', ...files]);
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as {
      runs: Array<{
        value: number;
        detectors: Array<{ detector: string; falsePositivesByKind: { below_threshold: number } }>;
      }>;
    };
    const slowHits = report.runs.map((entry) => ({
      value: entry.value,
      hits: entry.detectors.find((row) => row.detector === 'recursion')!.falsePositivesByKind.below_threshold,
    }));
    expect(slowHits[0]!.hits).toBeGreaterThan(0);
    expect(slowHits[1]).toEqual({ value: 20, hits: 0 });
  });

  it('exits 2 for a file without a labels sidecar', () => {
    const result = run(['package.json']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('labels');
  });
});
