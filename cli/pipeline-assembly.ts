import { mkdirSync } from 'node:fs';
import { type AlertDispatcher, createAlertDispatcher } from '../alerts/dispatcher.js';
import type { Logger } from '../common/logger.js';
import { createDetectionEngine, restoreDetectionEngine } from '../detectors/engine.js';
import type { EngineSink } from '../detectors/types.js';
import { defaultPipelineOptions, type FindingAlerts, Pipeline } from '../ingest/pipeline.js';
import type { HopwatchConfig } from '../schemas/config.js';
import { openStore } from '../store/index.js';
import type { HopwatchStore, StoreWriter } from '../store/types.js';

export type PipelineParts = {
  writer: StoreWriter;
  alerts: FindingAlerts;
  logger: Logger;
  onStoreWrite?(seconds: number): void;
};

/** For a checkpointing source: the engine state to resume from (null: none), findings held for checkpoints. */
export type Checkpointed = { engineSnapshot: unknown };

/**
 * The pipeline `hopwatch run` and `hopwatch replay` run: normalize → lineage → detectors → store and
 * alerts. `restored` says whether the engine resumed from the snapshot; a snapshot it cannot read
 * (another version, another detector config) is logged and replaced by an empty engine.
 */
export function createPipeline(
  config: HopwatchConfig,
  parts: PipelineParts,
  checkpointed?: Checkpointed,
): { pipeline: Pipeline; restored: boolean } {
  const engineConfig = { lineage: config.lineage, detectors: config.detectors };
  const deps = { now: Date.now };
  let restored = false;
  const createEngine = (sink: EngineSink) => {
    const snapshot = checkpointed?.engineSnapshot;
    if (snapshot === undefined || snapshot === null) return createDetectionEngine(engineConfig, sink, deps);
    const restoring = restoreDetectionEngine(engineConfig, snapshot, sink, deps);
    if (restoring.ok) {
      restored = true;
      return restoring.engine;
    }
    parts.logger.warn({ reason: restoring.reason }, 'starting with an empty detection engine');
    return createDetectionEngine(engineConfig, sink, deps);
  };
  const pipeline = new Pipeline(
    {
      createEngine,
      writer: parts.writer,
      alerts: parts.alerts,
      now: Date.now,
      logger: parts.logger,
      onStoreWrite: parts.onStoreWrite,
    },
    {
      ...defaultPipelineOptions,
      allowedLatenessMs: config.detectors.allowedLatenessMs,
      holdFindings: checkpointed !== undefined,
    },
  );
  return { pipeline, restored };
}

export type Outputs =
  | { ok: true; alerts: AlertDispatcher; store: HopwatchStore }
  | { ok: false; reason: string };

/**
 * Opens where the pipeline's results go: the alert outbox under dataDir and the store (migrations
 * applied). A webhook that cannot work is a value; an unreachable store throws, the outbox closed.
 */
export async function openOutputs(config: HopwatchConfig, logger: Logger): Promise<Outputs> {
  mkdirSync(config.dataDir, { recursive: true });
  const created = await createAlertDispatcher({ config: config.alerts, dataDir: config.dataDir, logger });
  if (!created.ok) return created;
  const alerts = created.dispatcher;
  const store = await openStore(config, logger).catch(async (error: unknown) => {
    await alerts.stop();
    throw error;
  });
  return { ok: true, alerts, store };
}
