import { randomUUID } from 'node:crypto';
import type { Admin, CompressionTypes, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { z } from 'zod';
import { idempotentProducer } from './kafka-client.js';

/** A chunk stays well inside the broker's default 1 MB message limit. */
const chunkBytes = 512 * 1024;
/** How long reading the changelog back may take before the caller retries. */
const readTimeoutMs = 60_000;

const manifestSchema = z.object({
  generation: z.string(),
  chunks: z.number().int().nonnegative(),
  /** The next offset of the task's partition: the state holds every record below it. */
  offset: z.string().regex(/^\d+$/),
});
type Manifest = z.infer<typeof manifestSchema>;

export type SavedTask = { offset: bigint; snapshot: unknown };

/** `<group>-state-changelog`, with what a topic name may not hold replaced. */
export function changelogTopicOf(groupId: string): string {
  return `${groupId.replace(/[^a-zA-Z0-9._-]/g, '_')}-state-changelog`;
}

/**
 * A split stage's partition tasks in a compacted topic, as Kafka Streams keeps a state store's
 * changelog: each checkpoint writes every task it holds (its engine snapshot and the offset it goes on
 * from) before the group's offsets are committed, so an instance that is assigned the partition later
 * reads the task back and goes on where the last holder's commit left off.
 *
 * A snapshot is cut into chunks keyed `<task>#<n>`, followed by a manifest keyed `<task>` naming their
 * generation and number; compaction keeps the latest of each key. One partition: a manifest always
 * follows its chunks.
 */
export class StateChangelog {
  private readonly producer: Producer;

  constructor(
    private readonly kafka: Kafka,
    readonly topic: string,
    private readonly compression: CompressionTypes,
    private readonly logger: Logger,
  ) {
    this.producer = idempotentProducer(kafka);
  }

  /** Creates the topic, compacted, when it does not exist; true when it did not. */
  async ensure(admin: Admin): Promise<boolean> {
    if ((await admin.listTopics()).includes(this.topic)) return false;
    await admin.createTopics({
      topics: [
        {
          topic: this.topic,
          numPartitions: 1,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            // Segments roll often enough for compaction to keep reads on assignment short.
            { name: 'segment.ms', value: '600000' },
            { name: 'min.cleanable.dirty.ratio', value: '0.1' },
          ],
        },
      ],
      waitForLeaders: true,
    });
    return true;
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  /** Writes the task's state (produced in slices by `write`) as of `offset`; resolves to its size once the broker has all of it. */
  async save(
    task: string,
    offset: bigint,
    write: (out: (slice: string) => Promise<void>) => Promise<void>,
  ): Promise<number> {
    const parts: Buffer[] = [];
    await write(async (slice) => {
      parts.push(Buffer.from(slice));
    });
    const state = Buffer.concat(parts);
    const generation = randomUUID();
    const chunks = Math.ceil(state.length / chunkBytes);
    // One message a request: several chunks in one batch would pass the broker's limit.
    for (let index = 0; index < chunks; index++) {
      const value = state.subarray(index * chunkBytes, (index + 1) * chunkBytes);
      await this.send({ key: `${task}#${index}`, value, headers: { generation } });
    }
    const manifest: Manifest = { generation, chunks, offset: offset.toString() };
    await this.send({ key: task, value: JSON.stringify(manifest) });
    return state.length;
  }

  private async send(message: { key: string; value: Buffer | string; headers?: Record<string, string> }) {
    await this.producer.send({ topic: this.topic, compression: this.compression, messages: [message] });
  }

  /**
   * The latest saved state of each of `tasks` that has one, read from the topic's start to its end as
   * of the call (through a consumer group of its own, deleted afterwards: kafkajs cannot assign).
   */
  async read(tasks: readonly string[]): Promise<Map<string, SavedTask>> {
    const admin = this.kafka.admin();
    await admin.connect();
    const groupId = `hopwatch-changelog-restore-${randomUUID()}`;
    try {
      const [end] = await admin.fetchTopicOffsets(this.topic);
      if (end === undefined || BigInt(end.high) <= BigInt(end.low)) return new Map();
      const messages = await this.readUpTo(groupId, BigInt(end.high));
      return this.assemble(new Set(tasks), messages);
    } finally {
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect();
    }
  }

  private async readUpTo(groupId: string, end: bigint): Promise<KafkaMessage[]> {
    const consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false });
    const messages: KafkaMessage[] = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [this.topic], fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`reading ${this.topic} took longer than ${readTimeoutMs / 1000} s`)),
          readTimeoutMs,
        );
        consumer
          .run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              messages.push(...batch.messages);
              if (batch.messages.length > 0 && BigInt(batch.lastOffset()) + 1n >= end) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    return messages;
  }

  /** Each wanted task's latest manifest whose chunks are all there, in order. */
  private assemble(wanted: Set<string>, messages: readonly KafkaMessage[]): Map<string, SavedTask> {
    const manifests = new Map<string, Manifest>();
    const chunks = new Map<string, KafkaMessage>();
    for (const message of messages) {
      const key = message.key?.toString();
      if (key === undefined || message.value === null) continue;
      const hash = key.lastIndexOf('#');
      if (hash >= 0) {
        if (wanted.has(key.slice(0, hash))) chunks.set(key, message);
        continue;
      }
      if (!wanted.has(key)) continue;
      const manifest = manifestSchema.safeParse(parseJson(message.value.toString()));
      if (manifest.success) manifests.set(key, manifest.data);
      else this.logger.warn({ task: key }, 'ignoring an unreadable state manifest in the changelog');
    }
    const saved = new Map<string, SavedTask>();
    for (const [task, manifest] of manifests) {
      const parts: Buffer[] = [];
      for (let index = 0; index < manifest.chunks; index++) {
        const chunk = chunks.get(`${task}#${index}`);
        if (chunk?.headers?.generation?.toString() !== manifest.generation) break;
        parts.push(chunk.value!);
      }
      const snapshot =
        parts.length === manifest.chunks ? parseJson(Buffer.concat(parts).toString()) : undefined;
      if (snapshot === undefined) {
        this.logger.warn({ task }, 'the changelog lacks part of a task’s state; the task starts empty');
        continue;
      }
      saved.set(task, { offset: BigInt(manifest.offset), snapshot });
    }
    return saved;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
