import type { Logger } from '../../common/logger.js';
import { decodeRecord } from '../../ingest/decode.js';
import { assemble } from '../../pipeline/assemble.js';
import type { HopwatchConfig } from '../../pipeline/config.js';
import type { Sink } from '../../pipeline/sink.js';
import { storageNotes } from '../../pipeline/stats.js';
import type { ReplayTarget } from './replay.js';

/**
 * The pipeline `hopwatch run` assembles from the config's sinks (the store under dataDir or
 * CLICKHOUSE_URL, the webhooks, stdout …) and `extraSinks`, fed in this process instead of by its
 * sources. Closing drains: open windows are closed and judged.
 */
export async function openPipelineTarget(
  config: HopwatchConfig,
  logger: Logger,
  extraSinks: readonly Sink[] = [],
): Promise<{ ok: true; target: ReplayTarget } | { ok: false; reason: string }> {
  const assembled = await assemble({ ...config, sources: [] }, { logger, extraSinks });
  if (!assembled.ok) return assembled;
  const { pipeline } = assembled;
  await pipeline.start();
  const lane = pipeline.lane('file');
  return {
    ok: true,
    target: {
      description: `the in-process pipeline (sinks: ${config.sinks.join(', ')}; store: ${config.store.url ?? config.dataDir})`,
      async send(records) {
        const receivedAt = Date.now();
        await lane.submit(
          records.map((record) =>
            decodeRecord(
              { raw: record.raw, origin: { source: 'file', line: record.line } },
              receivedAt,
              logger,
              lane.decoding,
            ),
          ),
        );
      },
      async close() {
        await pipeline.drain();
        const notes = storageNotes(pipeline.stats(), config.store);
        await pipeline.close();
        return notes;
      },
    },
  };
}
