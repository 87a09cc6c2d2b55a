import { createPipeline, openOutputs } from '../../cli/pipeline-assembly.js';
import type { Logger } from '../../common/logger.js';
import type { HopwatchConfig } from '../../schemas/config.js';
import type { Finding } from '../../schemas/finding.js';
import type { ReplayTarget } from './replay.js';

/**
 * The pipeline `hopwatch run` runs, in this process: normalize → lineage → detectors → the store
 * (embedded chDB under dataDir, or CLICKHOUSE_URL) and the configured webhooks. Every finding is
 * also handed to `onFinding` as it is raised. Closing drains: open windows are closed and judged.
 */
export async function openPipelineTarget(
  config: HopwatchConfig,
  logger: Logger,
  onFinding: (finding: Finding) => void,
): Promise<{ ok: true; target: ReplayTarget } | { ok: false; reason: string }> {
  const outputs = await openOutputs(config, logger);
  if (!outputs.ok) return outputs;
  const { alerts, store } = outputs;
  alerts.start();
  const parts = {
    writer: store.writer,
    alerts: {
      enqueue: (findings: Finding[]) => {
        for (const finding of findings) onFinding(finding);
        return alerts.enqueue(findings);
      },
    },
    logger,
  };
  const { pipeline } = createPipeline(config, parts);
  return {
    ok: true,
    target: {
      description: `the in-process pipeline (store: ${config.store.url ?? config.dataDir})`,
      async send(records) {
        await pipeline.submit(
          records.map((record) => ({ raw: record.raw, origin: { source: 'file', line: record.line } })),
        );
      },
      async close() {
        await pipeline.drain();
        await alerts.stop();
        await store.close();
      },
    },
  };
}
