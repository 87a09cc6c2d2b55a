import { readFileSync } from 'node:fs';
import { parser } from '@prometheus-io/lezer-promql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { bearer, postBody, startTestHopwatch, type TestHopwatch } from './helpers/api.js';

type Rule = {
  alert: string;
  expr: string;
  for?: string;
  labels?: { severity?: string };
  annotations?: { summary?: string };
};

const rules = (
  parse(readFileSync('docs/prometheus-rules.yaml', 'utf8')) as { groups: { rules: Rule[] }[] }
).groups.flatMap((group) => group.rules);

/** The metric a series belongs to: a histogram's buckets, sum and count are its own. */
const metricOf = (series: string): string => series.replace(/_(bucket|sum|count)$/, '');

/** What /metrics says of each metric: its help text and the labels (with values) of its samples. */
type Exported = Map<string, { help: string; labels: Map<string, Set<string>> }>;

function exportedMetrics(text: string): Exported {
  const exported: Exported = new Map();
  for (const line of text.split('\n')) {
    const help = /^# HELP (\w+) (.*)$/.exec(line);
    if (help) exported.set(help[1]!, { help: help[2]!, labels: new Map() });
    const sample = /^(\w+)\{(.*)\} /.exec(line);
    if (!sample) continue;
    const name = metricOf(sample[1]!);
    const labels = exported.get(name)?.labels;
    for (const [, key, value] of sample[2]!.matchAll(/(\w+)="([^"]*)"/g)) {
      if (!labels?.has(key!)) labels?.set(key!, new Set());
      labels?.get(key!)?.add(value!);
    }
  }
  return exported;
}

/** Labels Prometheus itself puts on every series, and the buckets' bound. */
const scrapeLabels = new Set(['instance', 'job', 'le']);

/** Why `label` (equal to `value`, when given) cannot be on `series`, or undefined when it can. */
function labelProblem(exported: Exported, series: string, label: string, value?: string): string | undefined {
  if (scrapeLabels.has(label)) return undefined;
  const metric = exported.get(metricOf(series));
  if (metric === undefined) return `${series} is not exported`;
  const values = metric.labels.get(label);
  // A metric without samples in this run (Kafka's, the webhooks') names its labels in its help.
  if (values === undefined && metric.labels.size > 0) return `${series} has no label ${label}`;
  if (values === undefined && !metric.help.includes(label)) return `${series}'s help names no label ${label}`;
  if (value === undefined) return undefined;
  const known = values?.has(value) ?? metric.help.includes(value);
  return known ? undefined : `${series}{${label}="${value}"} is never exported`;
}

describe('the Prometheus alerting rules in docs/prometheus-rules.yaml', () => {
  let running: TestHopwatch;
  let exported: Exported;
  beforeAll(async () => {
    running = await startTestHopwatch();
    // Traffic of every kind, so that the per-source, per-format, per-detector and per-lane series have samples.
    const traffic = readFileSync('fixtures/traffic/mixed-formats.ndjson');
    await postBody(running, '/v1/ingest', traffic, 'application/x-ndjson');
    const response = await fetch(`${running.url}/metrics`, { headers: bearer(running.tokens.read) });
    exported = exportedMetrics(await response.text());
  });
  afterAll(() => running?.close());

  it('are each named once, with a severity, a summary and an expression', () => {
    expect(rules.length).toBeGreaterThan(0);
    expect(new Set(rules.map((rule) => rule.alert)).size).toBe(rules.length);
    for (const rule of rules) {
      expect(rule.labels?.severity, rule.alert).toMatch(/^(warning|critical)$/);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      expect(rule.expr, rule.alert).toMatch(/hopwatch_/);
    }
  });

  it("parse as PromQL (Prometheus's own grammar)", () => {
    const unparsed = rules.filter(({ expr }) => {
      let error = false;
      parser.parse(expr).iterate({
        enter: (node) => {
          if (node.type.isError) error = true;
        },
      });
      return error;
    });
    expect(unparsed.map((rule) => rule.alert)).toEqual([]);
  });

  it('name only series hopwatch exports, by labels and label values they carry', () => {
    const problems: string[] = [];
    const note = (alert: string, problem: string | undefined) => {
      if (problem !== undefined) problems.push(`${alert}: ${problem}`);
    };
    for (const { alert, expr } of rules) {
      for (const [series] of expr.matchAll(/\b(?:hopwatch|nodejs|process)_\w+/g))
        note(alert, exported.has(metricOf(series)) ? undefined : `${series} is not exported`);
      // `sum by (a, b) (f(series…` : the labels grouped by must be on the series aggregated.
      for (const [, labels, series] of expr.matchAll(/by \(([^)]*)\) \((?:\w+\()?(\w+)/g)) {
        for (const label of labels!.split(',').map((name) => name.trim()))
          note(alert, labelProblem(exported, series!, label));
      }
      for (const [, series, matchers] of expr.matchAll(/(\w+)\{([^}]*)\}/g)) {
        for (const [, label, operator, value] of matchers!.matchAll(/(\w+)\s*(!?=~?)\s*"([^"]*)"/g))
          note(alert, labelProblem(exported, series!, label!, operator === '=' ? value : undefined));
      }
    }
    expect(problems).toEqual([]);
  });
});
