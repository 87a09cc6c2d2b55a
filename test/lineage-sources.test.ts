import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { type EvaluationResult, evaluate } from '../evaluation/evaluate.js';
import { assemble } from '../pipeline/assemble.js';
import { detectFiles } from '../pipeline/detect.js';
import { parseConfig } from '../pipeline/load-config.js';
import { MemorySink } from '../pipeline/sinks/memory.js';
import { istioRecords } from '../scenarios/formats/envoy.js';
import { generateScenario } from '../scenarios/generate.js';
import { findScenario, scenarios } from '../scenarios/registry.js';
import type { ScenarioFormat } from '../scenarios/traffic.js';
import { writeScenario } from '../scenarios/write.js';

const outDir = mkdtempSync(join(tmpdir(), 'hopwatch-sources-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** Every scenario the format can express, written as that format; the labels follow its credential names. */
function scenarioFiles(format: ScenarioFormat): string[] {
  const files: string[] = [];
  for (const scenario of scenarios) {
    const written = writeScenario(scenario, format, { seed: 5, rate: 0.5 }, join(outDir, format));
    if (written.ok) files.push(written.trafficPath);
  }
  return files;
}

async function evaluated(format: ScenarioFormat): Promise<EvaluationResult> {
  const parsed = parseConfig({});
  if (!parsed.ok) throw new Error(parsed.reason);
  const outcome = await evaluate({
    files: scenarioFiles(format),
    config: parsed.config,
    countUnlabelled: true,
  });
  if (!outcome.ok) throw new Error(outcome.reason);
  return outcome.result;
}

/**
 * What a finding says, whichever format its traffic came in. The window start is to the second: the
 * caller's sidecar sees a call a moment before the callee's does, and a merged hop starts when it did.
 */
function findingsOf(result: EvaluationResult): string[] {
  const [run] = result.runs;
  return run!.matches
    .flatMap(({ match }) => [...match.matched, ...match.falsePositives.map((entry) => entry.finding)])
    .map(
      (finding) =>
        `${finding.detector}/${finding.rule} ${finding.originCredential} ${Math.round(finding.windowStart / 1000)}`,
    )
    .sort();
}

describe('lineage from what gateways really log', () => {
  const cases: Array<[ScenarioFormat, ScenarioFormat, string]> = [
    ['istio', 'envoy', 'both sidecars of every in-mesh call logged'],
    ['kong-no-caller', 'kong', 'no caller workload and no span of the hop logged'],
    ['otlp-per-trace', 'otlp', 'each trace exported whole when it ends, its early spans late'],
  ];
  for (const [variant, reference, what] of cases) {
    it(`${variant} (${what}): every labelled attack found, no benign look-alike flagged, the same findings as ${reference}`, async () => {
      const [result, baseline] = await Promise.all([evaluated(variant), evaluated(reference)]);
      expect(result.files.every((file) => file.rejected === 0)).toBe(true);
      for (const metrics of result.runs[0]!.detectors) {
        expect(metrics.labels, metrics.detector).toBeGreaterThan(0);
        expect(metrics.falsePositives, metrics.detector).toBe(0);
        expect(metrics.recall, metrics.detector).toBe(1);
      }
      expect(findingsOf(result)).toEqual(findingsOf(baseline));
    });
  }

  it('counts each in-mesh call once however many sidecars logged it', async () => {
    const [istio, envoy] = await Promise.all([evaluated('istio'), evaluated('envoy')]);
    const hops = (result: EvaluationResult) =>
      result.files.reduce((sum, file) => sum + file.events - file.mergedObservations, 0);
    const merged = istio.files.reduce((sum, file) => sum + file.mergedObservations, 0);
    expect(merged).toBeGreaterThan(1_000);
    expect(hops(istio)).toBe(hops(envoy));
    expect(envoy.files.every((file) => file.mergedObservations === 0)).toBe(true);
  });

  it('counts each call once when the caller sends one x-request-id on many concurrent calls', async () => {
    // The fan-out attack, its calls sent at once to five services under one request id (an agent
    // controls the id it sends in a mesh), logged by both sidecars as Istio does.
    const generated = generateScenario(findScenario('fanout-explosion')!, { seed: 5, rate: 0.5 });
    const origin = generated.labels.labels[0]!.originCredential;
    const hopsOf = (traceId: string | undefined) => generated.events.filter((hop) => hop.traceId === traceId);
    const attack = [
      ...new Set(generated.events.filter((hop) => hop.credential.id === origin).map((hop) => hop.traceId)),
    ]
      .map(hopsOf)
      .reduce((largest, hops) => (hops.length > largest.length ? hops : largest));
    const root = attack.reduce((first, hop) => (hop.ts < first.ts ? hop : first));
    const services = [...new Set(attack.map((hop) => hop.destination.service))].slice(0, 5);
    const calls = attack.filter((hop) => hop !== root);
    calls.forEach((hop, index) => {
      Object.assign(hop, { requestId: 'one-id', ts: root.ts + 100 + index * 5, durationMs: 3_000 });
      hop.destination.service = services[index % services.length]!;
    });
    const file = join(outDir, 'one-request-id.ndjson');
    const events = generated.events.sort((a, b) => a.ts - b.ts);
    writeFileSync(file, `${events.flatMap(istioRecords).join('\n')}\n`);

    const parsed = parseConfig({ sinks: [], sources: [] });
    if (!parsed.ok) throw new Error(parsed.reason);
    const sink = new MemorySink(true);
    const assembled = await assemble(parsed.config, {
      logger: pino({ level: 'silent' }),
      extraSinks: [sink],
    });
    if (!assembled.ok) throw new Error(assembled.reason);
    const summary = await detectFiles([file], assembled.pipeline.lane('file'), {
      logger: pino({ level: 'silent' }),
    });
    await assembled.pipeline.close();
    const twoSided = events.filter((hop) => hop.source.workload?.startsWith('spiffe://')).length;
    expect(summary.mergedObservations).toBe(twoSided);
    const fanout = sink.findings.find(
      (finding) => finding.detector === 'fanout' && finding.originCredential === origin,
    );
    expect(fanout?.rule).toBe('fanout_limit');
    expect(fanout?.evidence).toMatchObject({ descendants: calls.length });
  });
});
