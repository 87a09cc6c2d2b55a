import { mkdirSync } from 'node:fs';
import { createAlertDispatcher } from '../../../alerts/dispatcher.js';
import type { HopwatchConfig } from '../../../schemas/config.js';
import type { Finding } from '../../../schemas/finding.js';
import { openStore } from '../../../store/index.js';
import type { Logger } from '../../logger.js';
import { createPipeline } from '../../pipeline-assembly.js';
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
  mkdirSync(config.dataDir, { recursive: true });
  const created = await createAlertDispatcher({ config: config.alerts, dataDir: config.dataDir, logger });
  if (!created.ok) return created;
  const alerts = created.dispatcher;
  const store = await openStore(config, logger).catch(async (error: unknown) => {
    await alerts.stop();
    throw error;
  });
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
