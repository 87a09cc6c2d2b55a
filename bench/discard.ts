import { createLogger } from '../common/logger.js';
import type { RawRecord } from '../ingest/source.js';
import { assemble, type Pipeline } from '../pipeline/assemble.js';
import type { HopwatchConfig } from '../pipeline/config.js';
import { parseConfig } from '../pipeline/load-config.js';
import type { Sink } from '../pipeline/sink.js';

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

/**
 * The pipeline `hopwatch run` assembles, fed by the bench (or by the configured `sources`), writing to
 * the configured `sinks` (none: everything is discarded) and to `extraSinks`.
 */
export async function benchPipeline(
  config: HopwatchConfig,
  sinks: string[] = [],
  extraSinks: Sink[] = [],
  sources: HopwatchConfig['sources'] = [],
): Promise<Pipeline> {
  const assembled = await assemble(
    { ...config, sinks, sources },
    { logger: createLogger('silent'), extraSinks },
  );
  if (!assembled.ok) throw new Error(assembled.reason);
  return assembled.pipeline;
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
