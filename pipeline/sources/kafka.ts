import { mkdirSync } from 'node:fs';
import { kafkaConfigSchema } from '../../ingest/config.js';
import { loadCheckpoint } from '../../ingest/kafka-checkpoint.js';
import { KafkaSource } from '../../ingest/kafka-source.js';
import type { Component } from '../component.js';
import type { SourcePlan } from './plan.js';

/** Kafka topics through a consumer group; its lane resumes from `<dataDir>/kafka-checkpoint.json`. */
export const kafkaSource: Component<'source', 'kafka', typeof kafkaConfigSchema, SourcePlan> = {
  kind: 'source',
  name: 'kafka',
  configSchema: kafkaConfigSchema,
  async build(config, { dataDir, logger }) {
    mkdirSync(dataDir, { recursive: true });
    const checkpoint = await loadCheckpoint(dataDir, config.groupId, logger);
    return {
      ok: true,
      built: {
        engineSnapshot: checkpoint?.engine,
        create(engineResumed) {
          // An engine that could not resume must see the records after the checkpoint's offsets again.
          const restored =
            checkpoint !== null && !engineResumed
              ? { ...checkpoint, offsets: {}, orderLog: undefined }
              : checkpoint;
          return new KafkaSource({ config, dataDir, restored }, logger.child({ source: 'kafka' }));
        },
      },
    };
  },
};
