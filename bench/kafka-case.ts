import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { metricTotal } from '../test/helpers/api-process.js';
import type { Backlog } from './backlog.js';
import { startInstance, stopInstance } from './hopwatch-process.js';
import { progress } from './measure.js';
import { produceBacklog } from './produce.js';
import { type CaseResult, caseResult } from './results.js';
import { SustainedRate } from './sustained.js';

const partitions = 6;
const pollMs = 50;

export type KafkaCaseReport = { results: CaseResult[]; notes: string[] };

async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
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
 * `hopwatch run` (Kafka source → pipeline → chDB store, default configuration: Kafka checkpoints as
 * due) in a process of its own; records/s and events/s over the steady middle of the backlog, read
 * from its /metrics. The store's totals are read once the process has written what it holds.
 */
async function hopwatchConsumer(brokers: string[], topic: string, total: number, capSeconds: number) {
  const instance = await startInstance(
    {
      sources: ['kafka'],
      sinks: ['store'],
      store: { hopsTtlDays: 3_650 },
      kafka: {
        brokers,
        topics: [topic],
        groupId: `bench-${randomUUID()}`,
        deadLetterTopic: `${topic}.dead`,
        findingsTopic: `${topic}.findings`,
      },
    },
    'kafka',
  );
  const rate = new SustainedRate();
  const deadline = Date.now() + capSeconds * 1000;
  let reported = 0;
  for (;;) {
    const done = await metricTotal(instance.baseUrl, 'hopwatch_records_received_total{source="kafka"}');
    rate.add(done, await metricTotal(instance.baseUrl, 'hopwatch_events_ingested_total'));
    if (done - reported >= 200_000) {
      reported = done;
      progress(`hopwatch consumed ${done.toLocaleString('en-US')} records`);
    }
    if (done >= total || Date.now() > deadline) break;
    await sleep(250);
  }
  const rejected = await metricTotal(instance.baseUrl, 'hopwatch_records_rejected_total');
  await until(
    async () => (await metricTotal(instance.baseUrl, 'hopwatch_store_pending_rows')) === 0,
    120_000,
    'the store writes',
  );
  const stats = (await (await fetch(`${instance.baseUrl}/v1/stats`)).json()) as {
    store: { hops: number; findings: number };
  };
  await stopInstance(instance);
  const { records, events } = rate.perSecond();
  return {
    recordsPerSecond: records,
    eventsPerSecond: events,
    consumed: rate.consumed(),
    stored: stats.store,
    rejected,
  };
}

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
      `Kafka: ${total.toLocaleString('en-US')} mixed-format records (${backlog.baseSize.toLocaleString('en-US')} generated, then repeated later in event time with renamed trace ids), ${partitions} partitions, keyed by trace id, produced in event-time order, one send at a time, at ${Math.round(produced).toLocaleString('en-US')} records/s (acks 1, no compression). \`hopwatch run\` (Kafka source → pipeline → chDB store, default configuration) runs in a process of its own, as users start it, stopped after ${capSeconds} s if the backlog is not consumed by then; it consumed ${hopwatch.consumed.toLocaleString('en-US')} records and had stored ${hopwatch.stored.hops.toLocaleString('en-US')} hops and ${hopwatch.stored.findings.toLocaleString('en-US')} findings by then (what windows still held is written as it stops), ${hopwatch.rejected} records rejected. Rates are over the steady middle (10 % → 90 % of what each consumer consumed); the record-rate target is 50 % of the bare consumer.`,
    ],
  };
}
