import { afterAll, describe, expect, it } from 'vitest';
import { FindingsConsumer, type VerdictBatch } from '../ingest/findings-consumer.js';
import { createKafkaClient } from '../ingest/kafka-client.js';
import { hopMessages, verdictMessages } from '../ingest/topic-messages.js';
import { TopicSink } from '../pipeline/sinks/topic.js';
import type { Finding } from '../schemas/finding.js';
import type { Incident } from '../schemas/incident.js';
import type { ResolvedHop } from '../schemas/resolved-hop.js';
import { freshTopic, kafkaClient, kafkaConfigFor, silent, waitUntil } from './helpers/kafka-ingest.js';

const running: FindingsConsumer[] = [];

afterAll(async () => {
  for (const consumer of running) await consumer.stop().catch(() => undefined);
});

function finding(id: string): Finding {
  return {
    id,
    detector: 'fanout',
    rule: 'distinct_targets',
    severity: 'high',
    score: 40,
    originCredential: 'cred:agent-a',
    traceIds: ['t1'],
    windowStart: 1_000,
    windowEnd: 61_000,
    detectedAt: 62_000,
    summary: `finding ${id}`,
    evidence: {},
  };
}

function incident(version: number): Incident {
  return {
    id: 'inc-1',
    originCredential: 'cred:agent-a',
    state: 'open',
    severity: 'high',
    firstSeenAt: 1_000,
    lastSeenAt: 61_000,
    resolvedAt: null,
    findingCount: version,
    detectors: ['fanout'],
    rules: ['fanout/distinct_targets'],
    highlights: [],
    version,
    change: version === 1 ? 'opened' : 'joined',
    changedAt: 61_000,
    findingId: 'f1',
  };
}

/** What a member of the findings group wrote: every batch, as the pipeline's sinks would get it. */
class Collected {
  readonly batches: VerdictBatch[] = [];
  async write(batch: VerdictBatch): Promise<void> {
    this.batches.push(batch);
  }
  async flush(): Promise<void> {}
  async flushVerdicts(): Promise<void> {}
  get findings(): string[] {
    return this.batches.flatMap((batch) => batch.findings.map((entry) => entry.id));
  }
  get incidents(): string[] {
    return this.batches.flatMap((batch) => batch.incidents.map((entry) => `${entry.id}@${entry.version}`));
  }
  get deadLetters(): string[] {
    return this.batches.flatMap((batch) => batch.deadLetters.map((entry) => entry.reason));
  }
}

const noReports = { reportLag: () => {}, reportFailure: () => {}, reportSeveralTraces: () => {} };

async function member(config: ReturnType<typeof kafkaConfigFor>, collected: Collected) {
  const consumer = new FindingsConsumer(createKafkaClient(config.kafka, silent), config.kafka, silent);
  running.push(consumer);
  await consumer.start(collected, noReports);
  return consumer;
}

async function produce(topic: string, messages: ReturnType<typeof verdictMessages>): Promise<void> {
  const producer = kafkaClient().producer();
  await producer.connect();
  await producer.send({ topic, messages });
  await producer.disconnect();
}

describe('the hops topic sink', () => {
  it('takes a lane batch of one credential larger than the broker takes in one message batch', async () => {
    const { topic, groupId } = await freshTopic('hops-sink', 1);
    const config = kafkaConfigFor(topic, groupId, '/nonexistent');
    const sink = new TopicSink(
      'hops-topic',
      createKafkaClient(config.kafka, silent),
      config.kafka,
      topic,
      (batch) => hopMessages(batch.hops ?? []),
    );
    const path = Array.from({ length: 8 }, (_, step) => ({
      hopId: `h${step}`,
      service: 'svc',
      credential: 'cred:one',
    }));
    const hops = Array.from({ length: 1_500 }, (_, index) => ({
      id: `hop-${index}`,
      ts: 1_000 + index,
      traceId: `trace-${index}`,
      credential: 'cred:one',
      originCredential: 'cred:one',
      originConfidence: 'exact' as const,
      parentInferred: false,
      depth: 0,
      path,
      padding: 'x'.repeat(600),
    })) as unknown as ResolvedHop[];
    await sink.write({ hops });
    await sink.close();
    const admin = kafkaClient().admin();
    await admin.connect();
    const [end] = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    expect(Number(end!.high)).toBe(1_500);
  });
});

describe('the findings topic', () => {
  it('takes the first copy of a finding or incident version in its partition, also after the partition changed hands', async () => {
    const { topic, groupId } = await freshTopic('findings-src', 1);
    const config = kafkaConfigFor(topic, groupId, '/nonexistent', { topicPartitions: 2 });
    const findingsTopic = config.kafka.findingsTopic;
    const first = new Collected();
    const one = await member(config, first);
    await produce(
      findingsTopic,
      verdictMessages({
        findings: [finding('f1'), finding('f2'), finding('f1')],
        incidents: [incident(1), incident(1)],
      }),
    );
    await waitUntil('the first member took f1, f2 and inc-1@1', () => first.findings.length === 2, 30_000);
    await waitUntil('and the incident', () => first.incidents.length === 1, 30_000);
    expect(first.findings.sort()).toEqual(['f1', 'f2']);
    await one.stop();

    // Raised again by another instance (same ids), plus what is new, plus a record that is no verdict.
    await produce(findingsTopic, [
      ...verdictMessages({ findings: [finding('f2'), finding('f3')], incidents: [incident(1), incident(2)] }),
      { key: 'junk', value: '{"id": 1}', headers: { 'hopwatch-kind': 'finding' } },
    ]);
    const second = new Collected();
    const two = await member(config, second);
    await waitUntil('the second member took f3 and inc-1@2', () => second.findings.length === 1, 30_000);
    await waitUntil('and inc-1@2', () => second.incidents.length === 1, 30_000);
    await waitUntil('and dead-lettered the junk', () => second.deadLetters.length === 1, 30_000);
    await two.stop();
    expect(second.findings).toEqual(['f3']);
    expect(second.incidents).toEqual(['inc-1@2']);
    expect(second.deadLetters[0]).toMatch(/^findings topic: finding: /);
    expect(second.deadLetters).toHaveLength(1);
    expect(two.skippedDuplicates()).toBe(2);
  }, 120_000);
});

describe('a stopping findings consumer', () => {
  it('stopped before it joined its group, first joins and takes what the topic holds, then leaves', async () => {
    const { topic, groupId } = await freshTopic('findings-stop', 1);
    const config = kafkaConfigFor(topic, groupId, '/nonexistent', { topicPartitions: 2 });
    await produce(
      config.kafka.findingsTopic,
      verdictMessages({ findings: [finding('s1'), finding('s2'), finding('s3')], incidents: [] }),
    );
    const collected = new Collected();
    const consumer = await member(config, collected);
    // A drain raising findings right after a restart: the group has not assigned the partitions yet.
    await consumer.stop();
    expect(collected.findings.sort()).toEqual(['s1', 's2', 's3']);
  }, 60_000);
});
