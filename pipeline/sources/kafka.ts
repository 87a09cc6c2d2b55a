import { mkdirSync } from 'node:fs';
import { kafkaConfigSchema } from '../../ingest/config.js';
import { FindingsConsumer } from '../../ingest/findings-consumer.js';
import { loadCheckpoint } from '../../ingest/kafka-checkpoint.js';
import { createKafkaClient } from '../../ingest/kafka-client.js';
import { KafkaSource } from '../../ingest/kafka-source.js';
import type { Component } from '../component.js';
import { FindingsTopicSink } from '../sinks/findings-topic.js';
import type { SourcePlan } from './plan.js';

/**
 * Kafka topics through a consumer group; its lane resumes from `<dataDir>/kafka-checkpoint.json` and
 * sends its findings and incidents through the findings topic.
 */
export const kafkaSource: Component<'source', 'kafka', typeof kafkaConfigSchema, SourcePlan> = {
  kind: 'source',
  name: 'kafka',
  configSchema: kafkaConfigSchema,
  async build(config, { dataDir, logger }) {
    mkdirSync(dataDir, { recursive: true });
    const checkpoint = await loadCheckpoint(dataDir, config.groupId, logger);
    const findingsLogger = logger.child({ source: 'findings' });
    const kafka = createKafkaClient(config, findingsLogger);
    const verdictsRoute = {
      producer: new FindingsTopicSink(kafka, config),
      consumer: new FindingsConsumer(kafka, config, findingsLogger),
    };
    return {
      ok: true,
      built: {
        engineSnapshot: checkpoint?.engine,
        verdictsRoute,
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
