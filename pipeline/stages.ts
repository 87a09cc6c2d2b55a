import { join } from 'node:path';
import type { Logger } from 'pino';
import type { KafkaConfig } from '../ingest/config.js';
import { changelogTopicOf } from '../ingest/kafka-changelog.js';
import { createKafkaClient, ensureTopics } from '../ingest/kafka-client.js';
import { retryStartup } from '../ingest/kafka-retry.js';
import { partitionTask } from '../ingest/source.js';
import { hopMessages, watermarkMessages } from '../ingest/topic-messages.js';
import type { HopwatchConfig } from './config.js';
import { TopicSink } from './sinks/topic.js';
import { findingsProducer, kafkaPlan } from './sources/kafka-plan.js';
import type { SourcePlan } from './sources/plan.js';

/**
 * The lanes of the stages of a pipeline split over Kafka that this process runs (README, Scaling out):
 * `ingest` reads the input topics, resolves lineage and publishes each hop on the hops topic keyed by
 * origin credential; `detect` reads the hops topic (its own consumer group, `<groupId>.detect`, and its
 * checkpoint under `<dataDir>/detect`) and publishes findings on the findings topic. The `sink` role
 * reads that and the hops topic into the store and the webhooks (ingest/findings-consumer.ts).
 */
export async function stagePlans(
  config: HopwatchConfig,
  logger: Logger,
): Promise<Array<{ name: string; plan: SourcePlan }>> {
  const { kafka, roles, dataDir } = config;
  const plans: Array<{ name: string; plan: SourcePlan }> = [];
  if (roles.includes('ingest')) {
    const client = createKafkaClient(kafka, logger.child({ sink: 'hops-topic' }));
    const hops = new TopicSink('hops-topic', client, kafka, kafka.hopsTopic, (batch, partitions) => [
      ...hopMessages(batch.hops ?? []),
      ...watermarkMessages(batch.watermarks ?? [], partitions),
    ]);
    const route = { producers: [hops], passOn: ['deadLetters'] as const };
    const changelogTopic = changelogTopicOf(kafka.groupId);
    const lane = { name: 'kafka', stage: 'lineage' as const, route, changelogTopic };
    plans.push({ name: lane.name, plan: await kafkaPlan(kafka, dataDir, logger, lane) });
  }
  if (roles.includes('detect')) {
    const hopsTopic = kafka.hopsTopic;
    const groupId = `${kafka.groupId}.detect`;
    const input = { ...kafka, topics: [hopsTopic], groupId, formatByTopic: { [hopsTopic]: 'resolved-hop' } };
    const route = { producers: [findingsProducer(kafka, logger)], passOn: [] };
    const changelogTopic = changelogTopicOf(groupId);
    const lane = { name: 'kafka-detect', stage: 'detectors' as const, route, changelogTopic };
    const plan = await kafkaPlan(input, join(dataDir, 'detect'), logger, lane);
    plans.push({ name: lane.name, plan: { ...plan, upstreamTasks: await ingestTasks(kafka, logger) } });
  }
  return plans;
}

/**
 * Every partition of the input topics: the ingest tasks the detect stage waits for from the start, so
 * that the first hops of one it has not heard of yet are not late (see UpstreamWatermarks). Without
 * the broker now, none: the detect stage then goes by the tasks as it hears of them.
 */
async function ingestTasks(kafka: KafkaConfig, logger: Logger): Promise<string[] | undefined> {
  const log = logger.child({ source: 'kafka-detect' });
  const admin = createKafkaClient(kafka, log).admin();
  try {
    // As the sources' start-up: a topic created a moment ago may not be known to every broker yet.
    const { topics } = await retryStartup(
      'reading the input topics’ partitions',
      async () => {
        await admin.connect();
        await ensureTopics(admin, kafka);
        return admin.fetchTopicMetadata({ topics: kafka.topics });
      },
      log,
    );
    return topics.flatMap(({ name, partitions }) =>
      partitions.map(({ partitionId }) => partitionTask(name, partitionId)),
    );
  } catch (error) {
    logger.warn(
      { err: error },
      'could not read the input topics’ partitions: the detect stage goes by the ingest tasks it hears of',
    );
    return undefined;
  } finally {
    await admin.disconnect();
  }
}
