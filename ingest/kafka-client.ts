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

/** kafkajs logs through hopwatch's logger: its errors and warnings as such, the rest below info. */
function bridgeLogs(logger: Logger) {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, timestamp: _timestamp, ...fields } = log;
      if (level === logLevel.ERROR) logger.error({ kafka: fields }, `kafkajs: ${message}`);
      else if (level === logLevel.WARN) logger.warn({ kafka: fields }, `kafkajs: ${message}`);
      else logger.debug({ kafka: fields }, `kafkajs: ${message}`);
    };
}

export function createKafkaClient(config: KafkaConfig, logger: Logger): Kafka {
  return new Kafka({
    clientId: config.clientId,
    brokers: config.brokers,
    logLevel: logLevel.WARN,
    logCreator: bridgeLogs(logger),
  });
}

/**
 * Creates the input, dead-letter, findings and hops topics that do not exist yet, with `topicPartitions` partitions
 * (replication factor: the broker's default), the findings and hops topics with `internalTopicRetentionMs`.
 * Existing topics are left as they are.
 */
export async function ensureTopics(admin: Admin, config: KafkaConfig): Promise<string[]> {
  const { topics, deadLetterTopic, findingsTopic, hopsTopic, internalTopicRetentionMs } = config;
  const wanted = [...new Set([...topics, deadLetterTopic, findingsTopic, hopsTopic])];
  const existing = new Set(await admin.listTopics());
  const missing = wanted.filter((topic) => !existing.has(topic));
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
