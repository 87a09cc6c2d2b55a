import type { Admin, Kafka, Message, Producer } from 'kafkajs';
import type { KafkaConfig } from '../../ingest/config.js';
import { idempotentProducer } from '../../ingest/kafka-client.js';
import { compressionType } from '../../ingest/kafka-codecs.js';
import type { Sink, SinkBatch, SinkStats } from '../sink.js';

/** How long the topic's partition count is trusted before it is asked again (partitions can be added). */
const partitionsTtlMs = 60_000;

/**
 * Parts of what a lane produces onto one of hopwatch's own topics: findings and incidents onto the
 * findings topic, resolved hops and watermark marks onto the hops topic of a split pipeline.
 * Idempotent producer, acks from every in-sync replica: a batch is taken once the broker has it, and one
 * the broker refuses is taken not at all (the sink set keeps it and backpressure follows).
 */
export class TopicSink implements Sink {
  private readonly producer: Producer;
  /** Only a sink that writes watermark marks asks for the partition count. */
  private admin: Admin | undefined;
  private connecting: Promise<void> | null = null;
  private sending = 0;
  private available = true;
  private partitions: { count: number; askedAt: number } | undefined;

  constructor(
    readonly name: string,
    private readonly kafka: Kafka,
    private readonly config: KafkaConfig,
    private readonly topic: string,
    /** The batch's messages; `partitions`, the topic's partition count, is known when the batch holds watermarks. */
    private readonly messages: (batch: SinkBatch, partitions: number) => Message[],
  ) {
    this.producer = idempotentProducer(kafka);
  }

  start(): void {}

  async write(batch: SinkBatch): Promise<void> {
    const partitions = batch.watermarks?.length
      ? await this.partitionCount().catch((error: unknown) => {
          this.available = false;
          throw error;
        })
      : 0;
    const messages = this.messages(batch, partitions);
    if (messages.length === 0) return;
    this.sending += messages.length;
    try {
      this.connecting ??= this.producer.connect();
      await this.connecting;
      for (const chunk of byteChunks(messages)) {
        await this.producer.send({
          topic: this.topic,
          acks: -1,
          compression: compressionType(this.config.compression),
          messages: chunk,
        });
      }
      this.available = true;
    } catch (error) {
      this.available = false;
      this.connecting = null;
      throw error;
    } finally {
      this.sending -= messages.length;
    }
  }

  /** What `write` took is on the broker already. */
  async flush(): Promise<void> {}

  async close(): Promise<void> {
    await this.admin?.disconnect();
    await this.producer.disconnect();
  }

  private async partitionCount(): Promise<number> {
    const now = Date.now();
    if (this.partitions === undefined || now - this.partitions.askedAt > partitionsTtlMs) {
      if (this.admin === undefined) {
        this.admin = this.kafka.admin();
        await this.admin.connect();
      }
      const { topics } = await this.admin.fetchTopicMetadata({ topics: [this.topic] });
      this.partitions = { count: topics[0]?.partitions.length ?? 0, askedAt: now };
    }
    return this.partitions.count;
  }

  stats(): SinkStats {
    return { pending: this.sending, available: this.available };
  }
}

/**
 * A lane's batch can hold a thousand hops of one credential, all for one partition: sent at once they
 * make a record batch past the broker's message.max.bytes (1 MB by default), which it refuses for
 * good. Sends stay under half of that.
 */
const sendMaxBytes = 512 * 1024;

export function* byteChunks(messages: Message[]): Generator<Message[]> {
  let chunk: Message[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = String(message.value ?? '').length + String(message.key ?? '').length;
    if (chunk.length > 0 && bytes + size > sendMaxBytes) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(message);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}
