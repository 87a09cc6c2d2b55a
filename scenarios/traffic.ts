import type { BenignEntry, ScenarioLabel } from '../evaluation/labels.js';
import type { Credential, HopEvent } from '../schemas/hop-event.js';
import { TraceBuilder } from './hops.js';
import type { Rng } from './rng.js';

/** Everything one scenario run produces: hops, ground truth, and key material the serializers need. */
export class Traffic {
  readonly events: HopEvent[] = [];
  readonly labels: ScenarioLabel[] = [];
  readonly benign: BenignEntry[] = [];
  /** Synthetic API keys by credential id, so that a format that logs a key header can carry one. */
  readonly apiKeys = new Map<string, string>();
  private readonly benignSeen = new Set<string>();

  trace(rng: Rng): TraceBuilder {
    return new TraceBuilder(rng, this.events);
  }

  /** Marks the events pushed since `mark` as one attack, and labels what each detector should find in them. */
  label(
    originCredential: string,
    since: number,
    expected: Array<{ detector: string; rule?: string }>,
    note: string,
  ): void {
    const hops = this.events.slice(since);
    if (hops.length === 0) return;
    const from = Math.min(...hops.map((hop) => hop.ts));
    const to = Math.max(...hops.map((hop) => hop.ts + (hop.durationMs ?? 0)));
    for (const { detector, rule } of expected) {
      this.labels.push({ originCredential, detector, ...(rule ? { rule } : {}), from, to, note });
    }
  }

  /** An origin credential whose traffic should raise nothing; the note says why when it is an attack kept under the thresholds. */
  markBenign(credential: Credential | string, note?: string): void {
    const id = typeof credential === 'string' ? credential : credential.id;
    if (this.benignSeen.has(id)) return;
    this.benignSeen.add(id);
    this.benign.push(note ? { originCredential: id, note } : id);
  }

  get mark(): number {
    return this.events.length;
  }
}

/** What a scenario builder gets: its own random stream, the time span to fill, and where to put it. */
export type ScenarioContext = {
  rng: Rng;
  start: number;
  end: number;
  /** Multiplies how often background agents act (1 = the default pace). */
  rate: number;
  traffic: Traffic;
};

/**
 * `istio`: Envoy records from both sidecars of every in-mesh call; `kong-no-caller`: Kong records
 * that name no calling workload and no span of the hop (what Kong logs without extra configuration);
 * `otlp-per-trace`: each trace exported whole when it ends (a collector's tail sampling).
 */
export const scenarioFormats = [
  'canonical',
  'envoy',
  'istio',
  'kong',
  'kong-no-caller',
  'otlp',
  'otlp-per-trace',
] as const;
export type ScenarioFormat = (typeof scenarioFormats)[number];

/** One named scenario: what it shows, how long it runs by default, and how it fills its context. */
export type Scenario = {
  name: string;
  summary: string;
  defaultDurationMs: number;
  /** The format its file gets in a `--format mixed` run, so that a generated set covers every adapter. */
  mixedFormat: ScenarioFormat;
  build(ctx: ScenarioContext): void;
};

export type Span = { from: number; to: number };

export function wholeSpan(ctx: ScenarioContext): Span {
  return { from: ctx.start, to: ctx.end };
}
