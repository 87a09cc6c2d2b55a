import { type Kafka, Partitioners, type Producer } from 'kafkajs';
import type { KafkaConfig } from '../../ingest/config.js';
import { verdictMessages } from '../../ingest/findings-messages.js';
import { compressionType } from '../../ingest/kafka-codecs.js';
import type { Sink, SinkBatch, SinkStats } from '../sink.js';

/**
 * The Kafka lane's findings and incident versions onto `kafka.findingsTopic`, from where the findings
 * consumer of whichever instance holds their partition stores and alerts them (ingest/findings-consumer.ts).
 * Idempotent producer, acks from every in-sync replica: a batch is taken once the broker has it, and a
 * batch the broker refuses is taken not at all (the sink set keeps it). Hops and dead letters are not
 * this sink's; the lane writes them to the store itself.
 */
export class FindingsTopicSink implements Sink {
  readonly name = 'findings-topic';
  private readonly producer: Producer;
  private connecting: Promise<void> | null = null;
  private sending = 0;
  private available = true;

  constructor(
    kafka: Kafka,
    private readonly config: KafkaConfig,
  ) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  start(): void {}

  async write({ findings = [], incidents = [] }: SinkBatch): Promise<void> {
    if (findings.length + incidents.length === 0) return;
    this.sending += findings.length + incidents.length;
    try {
      this.connecting ??= this.producer.connect();
      await this.connecting;
      await this.producer.send({
        topic: this.config.findingsTopic,
        acks: -1,
        compression: compressionType(this.config.compression),
        messages: verdictMessages({ findings, incidents }),
      });
      this.available = true;
    } catch (error) {
      this.available = false;
      this.connecting = null;
      throw error;
    } finally {
      this.sending -= findings.length + incidents.length;
    }
  }

  /** What `write` took is on the broker already. */
  async flush(): Promise<void> {}

  close(): Promise<void> {
    return this.producer.disconnect();
  }

  stats(): SinkStats {
    return { pending: this.sending, available: this.available };
  }
}
