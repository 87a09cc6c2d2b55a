import { randomUUID } from 'node:crypto';
import { ConfigResourceTypes } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ensureTopics } from '../ingest/kafka-client.js';
import { kafkaClient, testConfig } from './helpers/kafka-ingest.js';
import { testKafkaBrokers } from './kafka/test-brokers.js';

describe('the topics hopwatch creates', () => {
  it('creates the missing ones with their partitions, the findings and hops topics with their retention', async () => {
    const id = randomUUID().slice(0, 8);
    const names = {
      topics: [`hopwatch-input-${id}`],
      deadLetterTopic: `hopwatch-dead-${id}`,
      findingsTopic: `hopwatch-findings-${id}`,
      hopsTopic: `hopwatch-hops-${id}`,
    };
    const kafka = { brokers: testKafkaBrokers(), ...names, topicPartitions: 3 };
    const config = testConfig({
      kafka: { ...kafka, internalTopicRetentionMs: 3_600_000, findingsDedupMs: 7_200_000 },
    }).kafka;
    const admin = kafkaClient().admin();
    await admin.connect();
    try {
      const created = await ensureTopics(admin, config);
      expect(created.sort()).toEqual(
        [...names.topics, names.deadLetterTopic, names.findingsTopic, names.hopsTopic].sort(),
      );
      expect(await ensureTopics(admin, config)).toEqual([]);
      const { topics } = await admin.fetchTopicMetadata({ topics: created });
      expect(topics.map(({ partitions }) => partitions.length)).toEqual([3, 3, 3, 3]);
      const { resources } = await admin.describeConfigs({
        resources: created.map((name) => ({
          type: ConfigResourceTypes.TOPIC,
          name,
          configNames: ['retention.ms'],
        })),
        includeSynonyms: false,
      });
      const retention = Object.fromEntries(
        resources.map(({ resourceName, configEntries }) => [resourceName, configEntries[0]]),
      );
      // The findings topic keeps at least what a new holder of its partitions looks back over.
      expect(retention[names.findingsTopic]?.configValue).toBe('7200000');
      expect(retention[names.hopsTopic]?.configValue).toBe('3600000');
      expect(retention[names.deadLetterTopic]?.isDefault).toBe(true);
    } finally {
      await admin.deleteTopics({ topics: Object.values(names).flat() }).catch(() => undefined);
      await admin.disconnect();
    }
  }, 60_000);
});
