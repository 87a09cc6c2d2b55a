import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serializeScenario } from './formats/index.js';
import { type GenerateOptions, generateScenario } from './generate.js';
import type { Scenario, ScenarioFormat } from './traffic.js';

export type WrittenScenario = {
  ok: true;
  scenario: string;
  format: ScenarioFormat;
  trafficPath: string;
  labelsPath: string;
  records: number;
  hops: number;
  labels: number;
  bytes: number;
};

/** Generates one scenario and writes `<out>/<name>.ndjson` and its `<name>.labels.json` sidecar. */
export function writeScenario(
  scenario: Scenario,
  format: ScenarioFormat,
  options: GenerateOptions,
  outDir: string,
): WrittenScenario | { ok: false; reason: string } {
  const generated = generateScenario(scenario, options);
  const serialized = serializeScenario(generated, format);
  if (!serialized.ok) return serialized;
  const { records } = serialized;
  mkdirSync(outDir, { recursive: true });
  const trafficPath = join(outDir, `${scenario.name}.ndjson`);
  const labelsPath = join(outDir, `${scenario.name}.labels.json`);
  const traffic = records.length === 0 ? '' : `${records.join('\n')}\n`;
  writeFileSync(trafficPath, traffic);
  const sidecar = { ...serialized.labels, summary: scenario.summary, format, seed: options.seed };
  writeFileSync(labelsPath, `${JSON.stringify(sidecar, null, 2)}\n`);
  return {
    ok: true,
    scenario: scenario.name,
    format,
    trafficPath,
    labelsPath,
    records: records.length,
    hops: generated.events.length,
    labels: generated.labels.labels.length,
    bytes: Buffer.byteLength(traffic),
  };
}
