import { Kafka, logLevel, Partitioners } from 'kafkajs';
import type { CompressionName } from '../../ingest/compression-names.js';
import type { KafkaConfig } from '../../ingest/config.js';
import { compressionType, registerCodecs } from '../../ingest/kafka-codecs.js';
import { kafkaConnection } from '../../ingest/kafka-connection.js';
import type { ReplayTarget } from './replay.js';

/**
 * A kafkajs producer on the input topic. Each record is keyed as ReplayRecord.key says, so that every
 * hop of a trace lands in one partition (and one consumer) in order; records with no key go keyless.
 */
export async function openKafkaTarget(
  config: KafkaConfig,
  topic: string,
  compression: CompressionName = 'none',
): Promise<{ ok: true; target: ReplayTarget } | { ok: false; reason: string }> {
  if (config.brokers.length === 0) {
    return { ok: false, reason: 'no Kafka brokers: set kafka.brokers in the config or KAFKA_BROKERS' };
  }
  const read = kafkaConnection(config);
  if (!read.ok) return read;
  await registerCodecs();
  const kafka = new Kafka({
    clientId: `${config.clientId}-replay`,
    brokers: config.brokers,
    ...read.connection,
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: true,
  });
  try {
    await producer.connect();
  } catch (error) {
    return { ok: false, reason: `Kafka at ${config.brokers.join(',')}: ${(error as Error).message}` };
  }
  return {
    ok: true,
    target: {
      description: `Kafka topic ${topic} at ${config.brokers.join(',')} (compression ${compression})`,
      async send(records) {
        await producer.send({
          topic,
          compression: compressionType(compression),
          messages: records.map((record) => ({ key: record.key ?? null, value: record.raw })),
        });
      },
      async close() {
        await producer.disconnect();
        return [];
      },
    },
  };
}
