import { randomUUID } from 'node:crypto';
import { type Consumer, Kafka, logLevel, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testKafkaBrokers } from './test-brokers.js';

// kafkajs has been unmaintained since 2023 and Kafka 4.0 removed old protocol versions (KIP-896):
// this file pins down what hopwatch's Kafka ingest relies on, against the broker of the test run.

const partitionCount = 3;
const kafka = new Kafka({
  clientId: 'hopwatch-kafkajs-compat',
  brokers: testKafkaBrokers(),
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });

interface Received {
  value: string;
  partition: number;
}

const uniqueName = (what: string): string => `kafkajs-compat-${what}-${randomUUID().slice(0, 8)}`;
const valuesFor = (prefix: string, count: number): string[] =>
  Array.from({ length: count }, (_, index) => `${prefix}-${index}`);
const sortedValues = (received: Received[]): string[] => received.map((message) => message.value).sort();

async function createTopic(): Promise<string> {
  const topic = uniqueName('topic');
  await admin.createTopics({
    topics: [{ topic, numPartitions: partitionCount, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  return topic;
}

/** Sends the values round-robin over the partitions, so that every partition has messages. */
async function produce(topic: string, values: string[]): Promise<void> {
  await producer.send({
    topic,
    messages: values.map((value, index) => ({ key: value, value, partition: index % partitionCount })),
  });
}

/**
 * A group member consuming with eachBatch the way hopwatch's ingest does: it resolves each offset
 * itself once the message is handled, and commits the resolved offsets from within the batch.
 */
async function startGroupMember(
  groupId: string,
  topic: string,
  received: Received[],
  onAssignment: (partitions: number[]) => void = () => undefined,
): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId, heartbeatInterval: 500, maxWaitTimeInMs: 250 });
  consumer.on(consumer.events.GROUP_JOIN, (event) =>
    onAssignment(event.payload.memberAssignment[topic] ?? []),
  );
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    // With a threshold of 1, commitOffsetsIfNecessary() commits whatever has been resolved so far.
    autoCommitThreshold: 1,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat }) => {
      for (const message of batch.messages) {
        received.push({ value: message.value?.toString() ?? '', partition: batch.partition });
        resolveOffset(message.offset);
      }
      await commitOffsetsIfNecessary();
      await heartbeat();
    },
  });
  return consumer;
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Whether the group's committed offset equals the end of every partition of the topic. */
async function groupCommittedToEnd(groupId: string, topic: string): Promise<boolean> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const ends = await admin.fetchTopicOffsets(topic);
  return ends.every(
    (end) => committed?.partitions.find((entry) => entry.partition === end.partition)?.offset === end.high,
  );
}

describe('kafkajs against the Kafka 4.x broker of the test run', () => {
  beforeAll(async () => {
    await admin.connect();
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    await admin.disconnect();
  });

  it('creates a topic with the three partitions asked for', async () => {
    const topic = await createTopic();

    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });

    const partitions = metadata.topics[0]?.partitions.map((partition) => partition.partitionId);
    expect(partitions?.sort()).toEqual([0, 1, 2]);
  });

  it('resumes a consumer group from its committed offsets after a restart, re-delivering nothing', async () => {
    const topic = await createTopic();
    const groupId = uniqueName('group');
    const before = valuesFor('before-restart', 30);
    await produce(topic, before);

    const receivedBefore: Received[] = [];
    const first = await startGroupMember(groupId, topic, receivedBefore);
    await waitFor('the first member to commit every partition to its end', () =>
      groupCommittedToEnd(groupId, topic),
    );
    await first.disconnect();
    // Every value, at least once: the group's first generation may rebalance right after the join (the
    // new topic's metadata), and a batch whose commit that rebalance refused is delivered again.
    expect([...new Set(sortedValues(receivedBefore))]).toEqual([...before].sort());

    const after = valuesFor('after-restart', 30);
    await produce(topic, after);
    const receivedAfter: Received[] = [];
    const second = await startGroupMember(groupId, topic, receivedAfter);
    await waitFor('the restarted member to commit every partition to its end', () =>
      groupCommittedToEnd(groupId, topic),
    );
    await second.disconnect();

    // It subscribed from the beginning, so anything not committed would have come again first.
    expect(sortedValues(receivedAfter)).toEqual([...after].sort());
  });

  it('splits the partitions between two members of one group, which together consume every message once', async () => {
    const topic = await createTopic();
    const groupId = uniqueName('group');
    const assignments: [number[], number[]] = [[], []];
    const received: [Received[], Received[]] = [[], []];

    const first = await startGroupMember(groupId, topic, received[0], (partitions) => {
      assignments[0] = partitions;
    });
    await waitFor('the first member to own all partitions', () => assignments[0].length === partitionCount);
    const second = await startGroupMember(groupId, topic, received[1], (partitions) => {
      assignments[1] = partitions;
    });
    await waitFor('the rebalance to split the partitions between both members', () => {
      const owned = [...assignments[0], ...assignments[1]];
      return assignments[1].length > 0 && assignments[0].length > 0 && new Set(owned).size === owned.length;
    });
    expect([...assignments[0], ...assignments[1]].sort()).toEqual([0, 1, 2]);

    const values = valuesFor('shared', 90);
    await produce(topic, values);
    await waitFor(
      'every message to be consumed',
      () => received[0].length + received[1].length >= values.length,
    );
    await waitFor('both members to commit every partition to its end', () =>
      groupCommittedToEnd(groupId, topic),
    );
    await Promise.all([first.disconnect(), second.disconnect()]);

    expect(sortedValues([...received[0], ...received[1]])).toEqual([...values].sort());
    expect(received[0].every((message) => assignments[0].includes(message.partition))).toBe(true);
    expect(received[1].every((message) => assignments[1].includes(message.partition))).toBe(true);
  }, 60_000);
});
