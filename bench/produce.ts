import { CompressionTypes, type Kafka, Partitioners } from 'kafkajs';
import type { Backlog } from './backlog.js';
import { progress } from './measure.js';

// A partition batch must stay under the broker's message.max.bytes (1 MB): 800 records of ~1.5 KB, keyed by trace, may still fall unevenly on 6 partitions.
const chunkRecords = 500;
const inFlight = 4;

/** Creates `topic` and fills it with the first `count` records of the backlog, keyed by trace id; records/s. */
export async function produceBacklog(
  kafka: Kafka,
  topic: string,
  partitions: number,
  backlog: Backlog,
  count: number,
): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const started = performance.now();
  const sending = new Set<Promise<unknown>>();
  for (let from = 0; from < count; from += chunkRecords) {
    const messages = backlog
      .slice(from, Math.min(count, from + chunkRecords))
      .map((record) => ({ key: record.key ?? null, value: record.line }));
    const sent: Promise<unknown> = producer
      .send({ topic, acks: 1, compression: CompressionTypes.None, messages })
      .finally(() => sending.delete(sent));
    sending.add(sent);
    if (sending.size >= inFlight) await Promise.race(sending);
    if ((from / chunkRecords) % 250 === 0) progress(`produced ${from.toLocaleString('en-US')} records`);
  }
  await Promise.all(sending);
  await producer.disconnect();
  return count / ((performance.now() - started) / 1000);
}
