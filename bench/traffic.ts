import { serializeScenario } from '../scenarios/formats/index.js';
import { type GeneratedScenario, generateScenario } from '../scenarios/generate.js';
import { scenarios } from '../scenarios/registry.js';
import type { ScenarioFormat } from '../scenarios/traffic.js';
import type { HopEvent } from '../schemas/hop-event.js';
import { istioTextRecord, nginxRecord, traefikRecord } from './gateway-formats.js';

/** The formats measured one by one, named as a reader knows them. */
export const benchFormats = [
  'canonical',
  'envoy-json',
  'envoy-text',
  'kong',
  'nginx',
  'traefik',
  'otlp',
] as const;
export type BenchFormat = (typeof benchFormats)[number];

/** Raw records of one format, in delivery order, and how many hops they hold. */
export type Corpus = { format: BenchFormat; lines: string[]; hops: number };

const scenarioFormatOf: Partial<Record<BenchFormat, ScenarioFormat>> = {
  canonical: 'canonical',
  'envoy-json': 'envoy',
  kong: 'kong',
  otlp: 'otlp',
};

/**
 * Every scenario of `hopwatch generate`, each on its own pair of days (seed + 2·i: the longest
 * scenario covers a little more than one day), so that their records concatenated stay in event-time
 * order, as one long stretch of a gateway's log.
 */
export function* scenarioRuns(seed: number, rate: number): Generator<GeneratedScenario> {
  for (const [index, scenario] of scenarios.entries()) {
    yield generateScenario(scenario, { seed: seed + 2 * index, rate });
  }
}

function gatewayRecords(format: BenchFormat, run: GeneratedScenario): string[] {
  const { events, apiKeys } = run;
  switch (format) {
    case 'nginx':
      return events.map((hop: HopEvent) => nginxRecord(hop, apiKeys));
    case 'traefik':
      return events.map((hop: HopEvent) => traefikRecord(hop, apiKeys));
    default:
      return events.map(istioTextRecord);
  }
}

/**
 * The scenario traffic of `runs` written in `format`. Scenarios whose credentials the format cannot
 * name without logging a raw key (API keys in Envoy or OTLP records) are left out of that format.
 */
export function formatCorpus(format: BenchFormat, runs: readonly GeneratedScenario[]): Corpus {
  const lines: string[] = [];
  let hops = 0;
  const scenarioFormat = scenarioFormatOf[format];
  for (const run of runs) {
    if (scenarioFormat === undefined) {
      lines.push(...gatewayRecords(format, run));
      hops += run.events.length;
      continue;
    }
    const serialized = serializeScenario(run, scenarioFormat);
    if (!serialized.ok) continue;
    for (const line of serialized.records) lines.push(line);
    hops += run.events.length;
  }
  return { format, lines, hops };
}

/** Mixed traffic as `hopwatch generate --format mixed` writes it: each scenario in its own format. */
export function mixedRecords(run: GeneratedScenario): { key: string | undefined; line: string }[] {
  const serialized = serializeScenario(run, run.scenario.mixedFormat);
  if (!serialized.ok) throw new Error(serialized.reason);
  return serialized.records.map((line) => ({ key: traceKeyOf(line), line }));
}

const traceIdField = /"(?:traceId|trace_id|traceparent|b3|x-b3-traceid)":"(?:00-)?([^"-]+)/;

/** The record's trace id as the Kafka key (one partition per trace, as a shipper keyed by trace would). */
function traceKeyOf(line: string): string | undefined {
  return traceIdField.exec(line)?.[1];
}
