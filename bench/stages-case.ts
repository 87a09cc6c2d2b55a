import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { normalizeRecord } from '../ingest/normalize.js';
import { partitionTask } from '../ingest/source.js';
import { hopMessages } from '../ingest/topic-messages.js';
import { configSchema } from '../pipeline/config.js';
import { createDetectionEngine } from '../pipeline/engine.js';
import { byteChunks } from '../pipeline/sinks/topic.js';
import type { ResolvedHop } from '../schemas/resolved-hop.js';
import { metricTotal } from '../test/helpers/api-process.js';
import type { Backlog } from './backlog.js';
import { type BenchInstance, startInstance, stopInstance } from './hopwatch-process.js';
import { progress } from './measure.js';
import { type CaseResult, caseResult } from './results.js';
import { SustainedRate } from './sustained.js';

const partitions = 6;
/** The input topic the hops are told to come from: no records, one partition (one ingest task). */
const inputTopicOf = (hopsTopic: string) => `${hopsTopic}.input`;
const sendBatch = 2_000;

/**
 * The backlog through one lineage-stage engine: the hops an ingest stage would publish, tags included,
 * as the task of `inputTopic`'s one partition (the detect instances wait for every input partition).
 */
function resolvedHops(backlog: Backlog, records: number, inputTopic: string): ResolvedHop[] {
  const config = configSchema.parse({});
  const hops: ResolvedHop[] = [];
  const sink = { hop: (hop: ResolvedHop) => hops.push(hop), finding: () => {} };
  const engine = createDetectionEngine(
    { lineage: config.lineage, detectors: config.detectors, stage: 'lineage' },
    sink,
    { now: Date.now, upstreamId: partitionTask(inputTopic, 0) },
  );
  for (const { line } of backlog.slice(0, records)) {
    const decoded = normalizeRecord(line);
    if (decoded.ok) for (const event of decoded.events) engine.observe(event);
  }
  engine.flush();
  return hops;
}

/** `count` `hopwatch run --role detect` processes on one hops topic; hops/s taken over the steady middle. */
async function detectInstances(brokers: string[], hopsTopic: string, total: number, count: number) {
  const groupId = `bench-detect-${randomUUID().slice(0, 8)}`;
  const instances: BenchInstance[] = [];
  for (let index = 0; index < count; index++) {
    const kafka = {
      brokers,
      groupId,
      topics: [inputTopicOf(hopsTopic)],
      hopsTopic,
      findingsTopic: `${hopsTopic}.findings-${groupId}`,
    };
    const config = { roles: ['detect'], kafka: { ...kafka, deadLetterTopic: `${hopsTopic}.dead` } };
    instances.push(await startInstance(config, 'detect'));
  }
  const taken = async () => {
    let sum = 0;
    for (const instance of instances)
      sum += await metricTotal(instance.baseUrl, 'hopwatch_records_received_total{source="kafka-detect"}');
    return sum;
  };
  const rate = new SustainedRate();
  const deadline = Date.now() + 600_000;
  for (let done = 0; done < total; done = await taken()) {
    if (Date.now() > deadline) throw new Error('bench: detect instances did not finish');
    rate.add(done);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  rate.add(total);
  for (const instance of instances) await stopInstance(instance);
  return rate.perSecond().records;
}

/**
 * Scale-out of the detect stage: a backlog's resolved hops on a six-partition hops topic (keyed by
 * origin credential, as the ingest stage publishes them), taken by one and by two `--role detect`
 * processes. On this 2-core machine the broker shares the cores, so two instances cannot double.
 */
export async function stagesCase(
  brokers: string[],
  backlog: Backlog,
  records: number,
): Promise<{ results: CaseResult[]; note: string }> {
  const kafka = new Kafka({ clientId: 'hopwatch-bench', brokers, logLevel: logLevel.NOTHING });
  const topic = `hopwatch-bench-hops-${randomUUID().slice(0, 8)}`;
  const hops = resolvedHops(backlog, records, inputTopicOf(topic));
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic, numPartitions: partitions },
      { topic: inputTopicOf(topic), numPartitions: 1 },
    ],
    waitForLeaders: true,
  });
  const producer = kafka.producer();
  await producer.connect();
  for (let from = 0; from < hops.length; from += sendBatch) {
    for (const messages of byteChunks(hopMessages(hops.slice(from, from + sendBatch))))
      await producer.send({ topic, messages });
  }
  await producer.disconnect();
  progress(`stages: ${hops.length.toLocaleString('en-US')} resolved hops on ${topic}`);
  const one = await detectInstances(brokers, topic, hops.length, 1);
  progress(`stages: one detect instance ${Math.round(one)} hops/s`);
  const two = await detectInstances(brokers, topic, hops.length, 2);
  progress(`stages: two detect instances ${Math.round(two)} hops/s`);
  const created = (await admin.listTopics()).filter((name) => name.startsWith(topic));
  await admin.deleteTopics({ topics: created }).catch(() => undefined);
  await admin.disconnect();
  return {
    results: [
      caseResult({ name: 'stages: detect, one instance', value: one, unit: 'hops/s' }),
      caseResult({ name: 'stages: detect, two instances', value: two, unit: 'hops/s', baseline: one }),
    ],
    note:
      `Split pipeline, detect stage: ${hops.length.toLocaleString('en-US')} resolved hops on a ` +
      `${partitions}-partition hops topic, taken by one \`hopwatch run --role detect\` at ${Math.round(one)} ` +
      `hops/s and by two at ${Math.round(two)} hops/s (${(two / one).toFixed(2)}×). On this 2-core machine ` +
      'the broker and the bench share the cores with the instances: two cannot double.',
  };
}
