import { mkdirSync } from 'node:fs';
import type { Logger } from 'pino';
import type { KafkaConfig } from '../../ingest/config.js';
import { loadCheckpoint } from '../../ingest/kafka-checkpoint.js';
import { createKafkaClient } from '../../ingest/kafka-client.js';
import { KafkaSource } from '../../ingest/kafka-source.js';
import { verdictMessages } from '../../ingest/topic-messages.js';
import type { EngineStage } from '../engine.js';
import type { SinkBatch } from '../sink.js';
import { TopicSink } from '../sinks/topic.js';
import type { LaneRoute, SourcePlan } from './plan.js';

/** The findings topic as a lane's sink: findings and incident versions, keyed by id. */
export function findingsProducer(config: KafkaConfig, logger: Logger): TopicSink {
  const kafka = createKafkaClient(config, logger.child({ sink: 'findings-topic' }));
  return new TopicSink(
    'findings-topic',
    kafka,
    config,
    config.findingsTopic,
    ({ findings, incidents }: SinkBatch) =>
      verdictMessages({ findings: findings ?? [], incidents: incidents ?? [] }),
  );
}

/** A Kafka source's plan: the lane `name` resumes from the checkpoint under `dataDir`. */
export async function kafkaPlan(
  config: KafkaConfig,
  dataDir: string,
  logger: Logger,
  lane: { name: string; route: LaneRoute; stage?: EngineStage; changelogTopic?: string },
): Promise<SourcePlan> {
  mkdirSync(dataDir, { recursive: true });
  const checkpoint = await loadCheckpoint(dataDir, config.groupId, logger);
  return {
    engineSnapshot: checkpoint?.engine,
    route: lane.route,
    engineStage: lane.stage,
    create(engineResumed) {
      // An engine that could not resume must see the records after the checkpoint's offsets again.
      const restored =
        checkpoint !== null && !engineResumed
          ? { ...checkpoint, offsets: {}, orderLog: undefined }
          : checkpoint;
      const options = { name: lane.name, config, dataDir, restored, changelogTopic: lane.changelogTopic };
      return new KafkaSource(options, logger.child({ source: lane.name }));
    },
  };
}
