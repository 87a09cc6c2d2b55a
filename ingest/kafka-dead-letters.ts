import {
  type CompressionTypes,
  type IHeaders,
  type Kafka,
  type KafkaMessage,
  Partitioners,
  type Producer,
} from 'kafkajs';

/** A consumed message the pipeline rejected, with where it came from. */
export type RejectedMessage = {
  topic: string;
  partition: number;
  message: KafkaMessage;
  reason: string;
  /** The format it was read as; absent when it was auto-detected. */
  format: string | undefined;
};

/** Header names on dead-letter messages; values are UTF-8 strings. */
export const deadLetterHeaders = {
  reason: 'hopwatch-reason',
  topic: 'hopwatch-source-topic',
  partition: 'hopwatch-source-partition',
  offset: 'hopwatch-source-offset',
  format: 'hopwatch-format',
} as const;

/**
 * Puts rejected records on the dead-letter topic, key and value unchanged (so that they can be fixed
 * and produced again), with the reason and the source coordinates in headers. At least once: a record
 * replayed after a crash is dead-lettered again.
 */
export class DeadLetterProducer {
  private readonly producer: Producer;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
    private readonly compression: CompressionTypes,
  ) {
    this.producer = kafka.producer({
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  async send(rejected: RejectedMessage[]): Promise<void> {
    if (rejected.length === 0) return;
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      compression: this.compression,
      messages: rejected.map(({ topic, partition, message, reason, format }) => {
        const headers: IHeaders = {
          [deadLetterHeaders.reason]: reason,
          [deadLetterHeaders.topic]: topic,
          [deadLetterHeaders.partition]: String(partition),
          [deadLetterHeaders.offset]: message.offset,
        };
        if (format !== undefined) headers[deadLetterHeaders.format] = format;
        return { key: message.key, value: message.value, headers };
      }),
    });
  }
}
