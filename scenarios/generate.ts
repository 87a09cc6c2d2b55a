import type { ScenarioLabels } from '../evaluation/labels.js';
import type { HopEvent } from '../schemas/hop-event.js';
import { createRng } from './rng.js';
import { type Scenario, type ScenarioFormat, Traffic } from './traffic.js';

export type GenerateOptions = {
  seed: number;
  /** Overrides the scenario's own length. */
  durationMs?: number;
  /** Multiplies how often background agents act. */
  rate: number;
};

export type GeneratedScenario = {
  scenario: Scenario;
  start: number;
  end: number;
  /** In the order a log shipper delivers them: by end time (gateways log a request when it completes), plus up to 1 s of shipping delay. */
  events: HopEvent[];
  labels: ScenarioLabels;
  apiKeys: ReadonlyMap<string, string>;
};

const DAY_MS = 86_400_000;
/** Monday 2025-01-06 08:00 UTC; each seed moves the scenario by whole days, never by the wall clock. */
const EPOCH = Date.UTC(2025, 0, 6, 8, 0, 0);

export function baseTime(seed: number): number {
  return EPOCH + (Math.abs(Math.trunc(seed)) % 365) * DAY_MS;
}

/** Runs one scenario for one seed: the same inputs always give the same events, in the same order. */
export function generateScenario(scenario: Scenario, options: GenerateOptions): GeneratedScenario {
  const rng = createRng(`${options.seed}:${scenario.name}`);
  const start = baseTime(options.seed);
  const end = start + (options.durationMs ?? scenario.defaultDurationMs);
  const traffic = new Traffic();
  scenario.build({ rng, start, end, rate: options.rate, traffic });
  const events = deliveryOrder(traffic.events, createRng(`${options.seed}:${scenario.name}:delivery`));
  const labels: ScenarioLabels = {
    scenario: scenario.name,
    labels: [...traffic.labels].sort((a, b) => a.from - b.from || a.detector.localeCompare(b.detector)),
    benign: traffic.benign,
  };
  return { scenario, start, end, events, labels, apiKeys: traffic.apiKeys };
}

function deliveryOrder(events: HopEvent[], rng: ReturnType<typeof createRng>): HopEvent[] {
  const keyed = events.map((event) => ({
    event,
    at: event.ts + (event.durationMs ?? 0) + rng.int(0, 1_000),
  }));
  keyed.sort((a, b) => a.at - b.at || (a.event.id < b.event.id ? -1 : a.event.id > b.event.id ? 1 : 0));
  return keyed.map((entry) => entry.event);
}

export type { ScenarioFormat };
