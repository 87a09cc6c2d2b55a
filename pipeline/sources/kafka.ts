import { kafkaConfigSchema } from '../../ingest/config.js';
import type { Component } from '../component.js';
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
    // kafkajs and its codecs are loaded only by a pipeline that reads Kafka.
    const { findingsProducer, kafkaPlan } = await import('./kafka-plan.js');
    const route = { producers: [findingsProducer(config, logger)], passOn: ['hops', 'deadLetters'] as const };
    return { ok: true, built: await kafkaPlan(config, dataDir, logger, { name: 'kafka', route }) };
  },
};
