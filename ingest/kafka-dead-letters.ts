import type { CompressionTypes, IHeaders, Kafka, Producer } from 'kafkajs';
import { idempotentProducer } from './kafka-client.js';

/** A consumed message the pipeline rejected, with where it came from. */
export type RejectedMessage = {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  reason: string;
  /** The format it was read as; absent when it was auto-detected. */
  format: string | undefined;
  /** What the dead letter carries: the message's value, or one record of it. */
  value: Buffer | string | null;
  /** Size and digest of a value cut to fit the dead-letter topic. */
  original?: { bytes: number; sha256: string };
};

/** Header names on dead-letter messages; values are UTF-8 strings. */
export const deadLetterHeaders = {
  reason: 'hopwatch-reason',
  topic: 'hopwatch-source-topic',
  partition: 'hopwatch-source-partition',
  originalBytes: 'hopwatch-original-bytes',
  originalSha256: 'hopwatch-original-sha256',
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
    this.producer = idempotentProducer(kafka);
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
      messages: rejected.map(({ topic, partition, offset, key, reason, format, value, original }) => {
        const headers: IHeaders = {
          [deadLetterHeaders.reason]: reason,
          [deadLetterHeaders.topic]: topic,
          [deadLetterHeaders.partition]: String(partition),
          [deadLetterHeaders.offset]: offset,
        };
        if (format !== undefined) headers[deadLetterHeaders.format] = format;
        if (original !== undefined) {
          headers[deadLetterHeaders.originalBytes] = String(original.bytes);
          headers[deadLetterHeaders.originalSha256] = original.sha256;
        }
        return { key, value, headers };
      }),
    });
  }
}
