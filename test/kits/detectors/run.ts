import { readFileSync } from 'node:fs';
import { normalizeRecord } from '../../../ingest/normalize.js';
import { configSchema, type HopwatchConfigInput } from '../../../pipeline/config.js';
import {
  createDetectionEngine,
  type DetectionEngine,
  type EngineConfig,
  type EngineSink,
} from '../../../pipeline/engine.js';
import type { Finding } from '../../../schemas/finding.js';
import type { HopEvent } from '../../../schemas/hop-event.js';
import type { ResolvedHop } from '../../../schemas/resolved-hop.js';

/** A fixed clock: `detectedAt` is the only field of a finding not derived from the traffic. */
export const fixedClock = (): number => Date.UTC(2026, 0, 10);

export function engineConfig(input: HopwatchConfigInput = {}): EngineConfig {
  const config = configSchema.parse(input);
  return { lineage: config.lineage, detectors: config.detectors };
}

/** A sink that keeps everything, in the order it was produced. */
export class CollectingSink implements EngineSink {
  readonly hops: ResolvedHop[] = [];
  readonly findings: Finding[] = [];

  hop(hop: ResolvedHop): void {
    this.hops.push(hop);
  }

  finding(finding: Finding): void {
    this.findings.push(finding);
  }
}

/** The events of a file's records, in file order (records that do not decode are left out). */
export function fileEvents(file: string): HopEvent[] {
  return readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .flatMap((line) => {
      const decoded = normalizeRecord(line);
      return decoded.ok ? decoded.events : [];
    });
}

/** Feeds the events in the given order, flushes, and returns what came out. */
export function runEngine(
  events: Iterable<HopEvent>,
  input: HopwatchConfigInput = {},
): { findings: Finding[]; hops: ResolvedHop[]; engine: DetectionEngine } {
  const sink = new CollectingSink();
  const engine = createDetectionEngine(engineConfig(input), sink, { now: fixedClock });
  for (const event of events) engine.observe(event);
  engine.flush();
  return { findings: sink.findings, hops: sink.hops, engine };
}
