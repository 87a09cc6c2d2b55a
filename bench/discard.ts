import { createLogger } from '../common/logger.js';
import { createDetectionEngine } from '../detectors/engine.js';
import { defaultPipelineOptions, Pipeline } from '../ingest/pipeline.js';
import type { RawRecord } from '../ingest/source.js';
import type { HopwatchConfig } from '../schemas/config.js';
import type { Finding } from '../schemas/finding.js';
import { parseConfig } from '../schemas/load-config.js';
import type { StoreWriter } from '../store/types.js';

/**
 * The default configuration (what `hopwatch run` uses without a config file) and `overrides`, except
 * for the hops' TTL: generated traffic lies up to two years back, and the default 30 days would have
 * chDB drop its hops as they are inserted.
 */
export function benchConfig(overrides: Record<string, unknown> = {}): HopwatchConfig {
  const parsed = parseConfig({ logLevel: 'silent', store: { hopsTtlDays: 3_650 }, ...overrides });
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.config;
}

/** A store writer that accepts everything and keeps nothing: the pipeline without the store's cost. */
export const discardingWriter: StoreWriter = {
  write: async () => undefined,
  flush: async () => undefined,
  pending: () => 0,
  available: () => true,
};

/** The pipeline `hopwatch run` builds, with the default configuration, writing to `writer`. */
export function benchPipeline(
  config: HopwatchConfig,
  writer: StoreWriter,
  onFindings: (findings: Finding[]) => void = () => undefined,
): Pipeline {
  const engineConfig = { lineage: config.lineage, detectors: config.detectors };
  return new Pipeline(
    {
      createEngine: (sink) => createDetectionEngine(engineConfig, sink, { now: Date.now }),
      writer,
      alerts: { enqueue: onFindings },
      now: Date.now,
      logger: createLogger('silent'),
    },
    {
      ...defaultPipelineOptions,
      allowedLatenessMs: config.detectors.allowedLatenessMs,
    },
  );
}

/** Lines as a Kafka source hands them over (auto-detected format), in batches of `size`. */
export function recordBatches(lines: readonly string[], size: number): RawRecord[][] {
  const batches: RawRecord[][] = [];
  for (let start = 0; start < lines.length; start += size) {
    batches.push(
      lines.slice(start, start + size).map((raw, index) => ({
        raw,
        origin: { source: 'kafka', topic: 'bench', partition: 0, offset: String(start + index) },
      })),
    );
  }
  return batches;
}
