import {
  type Admin,
  type Consumer,
  Kafka,
  type LogEntry,
  logLevel,
  Partitioners,
  type Producer,
} from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaConfig } from './config.js';
import { kafkaConnection } from './kafka-connection.js';

/**
 * Broker answers that are part of a cluster's normal life (a group's coordinator starting or moving,
 * a partition's leader being elected, a rebalance): kafkajs logs each as an error and then retries,
 * so an operator would see errors at every start against a fresh cluster. They are warnings here; if
 * the retries run out, the operation's own failure is logged as an error where hopwatch handles it.
 */
const transientBrokerAnswers = new Set([
  'The group coordinator is not available',
  "The coordinator is loading and hence can't process requests for this group",
  'This is not the correct coordinator for this group',
  'There is no leader for this topic-partition as we are in the middle of a leadership election',
  'This server is not the leader for that topic-partition',
  'The group is rebalancing, so a rejoin is needed',
]);

/** kafkajs logs through hopwatch's logger: its errors (but transient broker answers) and warnings as such, the rest below info. */
export function bridgeLogs(logger: Logger) {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, timestamp: _timestamp, ...fields } = log;
      const transient = transientBrokerAnswers.has(String(fields.error));
      if (level === logLevel.ERROR && !transient) logger.error({ kafka: fields }, `kafkajs: ${message}`);
      else if (level === logLevel.ERROR || level === logLevel.WARN)
        logger.warn({ kafka: fields }, `kafkajs: ${message}`);
      else logger.debug({ kafka: fields }, `kafkajs: ${message}`);
    };
}

/** A client with the configured TLS and SASL, as start-up read and checked them (kafkaConnection, once per configuration). */
export function createKafkaClient(config: KafkaConfig, logger: Logger): Kafka {
  const read = kafkaConnection(config);
  if (!read.ok) throw new Error(read.reason);
  return new Kafka({
    clientId: config.clientId,
    brokers: config.brokers,
    ...read.connection,
    logLevel: logLevel.WARN,
    logCreator: bridgeLogs(logger),
  });
}

/** The topics hopwatch reads and writes: the input, dead-letter, findings and hops topics. */
export function wantedTopics(config: KafkaConfig): string[] {
  const { topics, deadLetterTopic, findingsTopic, hopsTopic } = config;
  return [...new Set([...topics, deadLetterTopic, findingsTopic, hopsTopic])];
}

/**
 * Creates the input, dead-letter, findings and hops topics that do not exist yet, with `topicPartitions` partitions
 * (replication factor: the broker's default), the findings and hops topics with `internalTopicRetentionMs`.
 * Existing topics are left as they are.
 */
export async function ensureTopics(admin: Admin, config: KafkaConfig): Promise<string[]> {
  const { findingsTopic, hopsTopic, internalTopicRetentionMs } = config;
  const existing = new Set(await admin.listTopics());
  const missing = wantedTopics(config).filter((topic) => !existing.has(topic));
  if (missing.length === 0) return [];
  const retentionMs = (topic: string): number | undefined => {
    if (topic === findingsTopic) return Math.max(internalTopicRetentionMs, config.findingsDedupMs);
    return topic === hopsTopic ? internalTopicRetentionMs : undefined;
  };
  await admin.createTopics({
    topics: missing.map((topic) => {
      const retention = retentionMs(topic);
      const configEntries =
        retention === undefined ? [] : [{ name: 'retention.ms', value: String(retention) }];
      return { topic, numPartitions: config.topicPartitions, configEntries };
    }),
    waitForLeaders: true,
  });
  return missing;
}

/**
 * A consumer of `groupId` with manual offsets in mind. A crash (a batch that cannot be read, a broker
 * gone for good) restarts it with kafkajs's backoff instead of leaving a live process that reads
 * nothing; /readyz says so meanwhile.
 */
export function groupConsumer(
  kafka: Kafka,
  config: KafkaConfig,
  groupId: string,
  maxWaitTimeInMs: number,
): Consumer {
  return kafka.consumer({
    groupId,
    sessionTimeout: config.sessionTimeoutMs,
    heartbeatInterval: Math.min(3_000, Math.floor(config.sessionTimeoutMs / 3)),
    maxWaitTimeInMs,
    allowAutoTopicCreation: false,
    retry: { restartOnFailure: async () => true },
  });
}

/** Idempotent: a send the client retries after a lost acknowledgement is written once. */
export function idempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}
