import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { createLogger } from '../common/logger.js';
import { assemble } from '../pipeline/assemble.js';
import type { Backlog } from './backlog.js';
import { benchConfig } from './discard.js';
import { progress } from './measure.js';
import { produceBacklog } from './produce.js';
import { type CaseResult, caseResult } from './results.js';
import { SustainedRate } from './sustained.js';

const partitions = 6;
const pollMs = 50;

export type KafkaCaseReport = { results: CaseResult[]; notes: string[] };

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** A kafkajs consumer that only counts messages (eachBatch), with the Kafka source's fetch settings; records/s. */
async function bareConsumer(kafka: Kafka, topic: string, total: number): Promise<number> {
  const consumer = kafka.consumer({ groupId: `bench-bare-${randomUUID()}`, maxWaitTimeInMs: 500 });
  const rate = new SustainedRate();
  let counted = 0;
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      counted += batch.messages.length;
      rate.add(counted);
    },
  });
  await until(() => counted >= total, 600_000, 'the bare consumer');
  await consumer.disconnect();
  return rate.perSecond().records;
}

/**
 * KafkaSource → Pipeline → chDB store, as `hopwatch run` wires them (default configuration, Kafka
 * checkpoints every 5 s); records/s and events/s over the steady middle of the backlog.
 */
async function hopwatchConsumer(brokers: string[], topic: string, total: number, capSeconds: number) {
  const dataDir = mkdtempSync(join(tmpdir(), 'hopwatch-bench-kafka-'));
  const config = benchConfig({
    dataDir,
    kafka: {
      brokers,
      topics: [topic],
      groupId: `bench-${randomUUID()}`,
      deadLetterTopic: `${topic}.dead`,
      findingsTopic: `${topic}.findings`,
    },
  });
  const assembled = await assemble(
    { ...config, sources: ['kafka'], sinks: ['store'] },
    { logger: createLogger('silent') },
  );
  if (!assembled.ok) throw new Error(assembled.reason);
  const { pipeline } = assembled;
  const rate = new SustainedRate();
  const received = () => pipeline.stats().recordsReceived.kafka ?? 0;
  const ingested = () => Object.values(pipeline.stats().eventsIngested).reduce((sum, n) => sum + n, 0);
  const deadline = Date.now() + capSeconds * 1000;
  let reported = 0;
  await pipeline.start();
  await until(
    () => {
      const done = received();
      rate.add(done, ingested());
      if (done - reported >= 200_000) {
        reported = done;
        progress(`hopwatch consumed ${done.toLocaleString('en-US')} records`);
      }
      return done >= total || Date.now() > deadline;
    },
    capSeconds * 1000 + 60_000,
    'the hopwatch consumer',
  );
  await pipeline.drain();
  const stored = await pipeline.store!.reader.stats();
  await pipeline.close();
  rmSync(dataDir, { recursive: true, force: true });
  const { records, events } = rate.perSecond();
  return {
    recordsPerSecond: records,
    eventsPerSecond: events,
    consumed: rate.consumed(),
    stored,
    rejected: Object.values(pipeline.stats().recordsRejected).reduce((sum, n) => sum + n, 0),
  };
}

/** Case 3: a backlog of `total` mixed-format records on the broker, read by a bare consumer and by hopwatch. */
export async function kafkaCase(
  brokers: string[],
  total: number,
  backlog: Backlog,
  capSeconds: number,
): Promise<KafkaCaseReport> {
  const kafka = new Kafka({ clientId: 'hopwatch-bench', brokers, logLevel: logLevel.NOTHING });
  const topic = `hopwatch-bench-${randomUUID().slice(0, 8)}`;
  const produced = await produceBacklog(kafka, topic, partitions, backlog, total);
  progress(`produced ${total.toLocaleString('en-US')} records at ${Math.round(produced)} records/s`);
  const bare = await bareConsumer(kafka, topic, total);
  progress(`bare consumer: ${Math.round(bare)} records/s`);
  const hopwatch = await hopwatchConsumer(brokers, topic, total, capSeconds);
  progress(
    `hopwatch: ${Math.round(hopwatch.recordsPerSecond)} records/s, ${Math.round(hopwatch.eventsPerSecond)} events/s`,
  );
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic, `${topic}.dead`, `${topic}.findings`] }).catch(() => undefined);
  await admin.disconnect();
  return {
    results: [
      caseResult({
        name: 'kafka end to end (records)',
        value: hopwatch.recordsPerSecond,
        unit: 'records/s',
        baseline: bare,
        target: Math.round(bare * 0.5),
      }),
      caseResult({
        name: 'kafka end to end (events)',
        value: hopwatch.eventsPerSecond,
        unit: 'events/s',
        target: 50_000,
      }),
    ],
    notes: [
      `Kafka: ${total.toLocaleString('en-US')} mixed-format records (${backlog.baseSize.toLocaleString('en-US')} generated, then repeated later in event time with renamed trace ids), ${partitions} partitions, keyed by trace id, produced at ${Math.round(produced).toLocaleString('en-US')} records/s (acks 1, no compression). The hopwatch run is KafkaSource → Pipeline → chDB store (default config: checkpoints every 5 s), stopped after ${capSeconds} s if the backlog is not consumed by then; it consumed ${hopwatch.consumed.toLocaleString('en-US')} records and stored ${hopwatch.stored.hops.toLocaleString('en-US')} hops and ${hopwatch.stored.findings.toLocaleString('en-US')} findings, ${hopwatch.rejected} records rejected. Rates are over the steady middle (10 % → 90 % of what each consumer consumed); the record-rate target is 50 % of the bare consumer.`,
    ],
  };
}
