import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import type { DeadLetter } from '../schemas/dead-letter.js';
import type { Finding } from '../schemas/finding.js';
import type { Incident } from '../schemas/incident.js';
import type { ResolvedHop } from '../schemas/resolved-hop.js';
import type { KafkaConfig } from './config.js';
import { ensureTopics, groupConsumer } from './kafka-client.js';
import { retryStartup, untilDone } from './kafka-retry.js';
import type { SourceReports } from './source.js';
import { readHop, readVerdict } from './topic-messages.js';

export type VerdictBatch = {
  findings: Finding[];
  incidents: Incident[];
  hops: ResolvedHop[];
  deadLetters: DeadLetter[];
};

/** Where the findings consumer puts what it takes: the instance's store and alert sinks. */
export interface VerdictWriter {
  write(batch: VerdictBatch): Promise<void>;
  /** Resolves once everything written before is durable. */
  flush(): Promise<void>;
  /** The same for findings and incidents only. */
  flushVerdicts(): Promise<void>;
}

/** Per partition held: below `warmUntil` records only tell what was taken before; null until known. */
type PartitionState = { warmUntil: bigint | null; seen: Map<string, number> };

/** Partitions whose batches are taken at the same time. */
const partitionsAtOnce = 16;
/** How long a stopping consumer goes on without taking anything before it leaves what its partitions still hold. */
const stopGraceMs = 10_000;
/** The longest a raw value a dead letter of this topic keeps. */
const deadLetterRawChars = 65_536;

/**
 * The findings topic into the store and the alert outbox, in a consumer group of its own
 * (`<kafka.groupId>.findings`); with `readHops`, the hops topic of a split pipeline into the store too
 * (hops deduplicate there by trace and id). The same finding can be on the topic twice: raised by two instances
 * around a rebalance (one read records the other had not committed), or again after a crash. Every copy
 * has the same key, so the same partition, and **the first one in the partition wins**: a rule any
 * member holding the partition applies alike. On each assignment a member first reads the partition's
 * last `kafka.findingsDedupMs` (by broker timestamp) up to its committed offset, only to learn what was
 * taken there; then it takes what follows, skipping keys seen before. Offsets are committed once what a
 * batch wrote is durable, so a graceful handover stores and alerts each finding once; a member killed
 * between that and its commit leaves the batch to be taken again (the store deduplicates it; its
 * webhook deliveries go out again from the next member's outbox).
 */
export class FindingsConsumer {
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private readonly groupId: string;
  private partitions = new Map<number, PartitionState>();
  private assignment: Record<string, number[]> = {};
  /** Set when stopping; moved on by every batch written, so that a slow store does not cut a drain short. */
  private stopDeadline: number | null = null;
  private joined = false;
  private duplicates = 0;

  constructor(
    kafka: Kafka,
    private readonly config: KafkaConfig,
    private readonly logger: Logger,
    private readonly readHops = false,
  ) {
    this.groupId = `${config.groupId}.findings`;
    this.admin = kafka.admin();
    this.consumer = groupConsumer(kafka, config, this.groupId, 100);
  }

  async start(writer: VerdictWriter, reports: SourceReports): Promise<void> {
    const topic = this.config.findingsTopic;
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      const held = payload.memberAssignment[topic] ?? [];
      this.partitions = new Map(held.map((partition) => [partition, { warmUntil: null, seen: new Map() }]));
      this.assignment = payload.memberAssignment;
      this.joined = true;
      this.logger.info(
        { groupId: this.groupId, assignment: payload.memberAssignment },
        'joined the findings consumer group',
      );
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      this.logger.error({ err: payload.error }, 'findings consumer crashed; restarting');
      reports.reportFailure('findings', payload.error.message);
    });
    const topics = this.subscribed();
    await retryStartup(
      'subscribing to the findings topic',
      async () => {
        await this.admin.connect();
        await ensureTopics(this.admin, this.config);
        await this.consumer.connect();
        await this.consumer.subscribe({ topics, fromBeginning: true });
      },
      this.logger,
    );
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Each batch waits for its store insert: partitions one after the other would queue a finding
      // behind one insert per partition held. Together, their inserts coalesce into one.
      partitionsConsumedConcurrently: partitionsAtOnce,
      eachBatch: async (payload) => {
        const { topic: read, partition, highWatermark, messages } = payload.batch;
        if (read === topic) await this.consumeBatch(payload, writer);
        else await this.consumeHops(payload, writer);
        const next = messages.length > 0 ? BigInt(messages[messages.length - 1]!.offset) + 1n : null;
        if (next !== null) reports.reportLag(read, partition, Number(BigInt(highWatermark) - next));
      },
    });
  }

  /** For /v1/stats: copies of a finding or incident version skipped because the partition had it before. */
  skippedDuplicates(): number {
    return this.duplicates;
  }

  /**
   * Goes on taking what the partitions it holds still have (what the drain of the other lanes raised),
   * once it has joined its group (after a crash, the group waits for the dead member's session to
   * expire), until 10 s pass without a batch written; then leaves the group. What it did not take
   * waits on the topic for the next member. The ends are those of when it was asked to stop: the
   * hops topic goes on growing while other instances run (their watermark marks, each second).
   */
  async stop(): Promise<void> {
    this.stopDeadline = Date.now() + stopGraceMs;
    let ends: Map<string, bigint> | undefined;
    let caughtUp = false;
    while (!caughtUp && Date.now() < this.stopDeadline) {
      if (this.joined) {
        ends ??= await this.ends().catch(() => undefined);
        caughtUp = ends !== undefined && (await this.caughtUp(ends).catch(() => false));
      }
      if (!caughtUp) await sleep(100);
    }
    if (!caughtUp)
      this.logger.warn(
        { groupId: this.groupId, joined: this.joined },
        'stopping before the findings topic was read to its end: the next start stores and alerts the rest',
      );
    await this.consumer.disconnect();
    await this.admin.disconnect();
  }

  private subscribed(): string[] {
    const { findingsTopic, hopsTopic } = this.config;
    return this.readHops ? [findingsTopic, hopsTopic] : [findingsTopic];
  }

  /** The end of every partition of the topics read, keyed `topic:partition`. */
  private async ends(): Promise<Map<string, bigint>> {
    const ends = new Map<string, bigint>();
    for (const topic of this.subscribed()) {
      for (const { partition, high } of await this.admin.fetchTopicOffsets(topic))
        ends.set(`${topic}:${partition}`, BigInt(high));
    }
    return ends;
  }

  /** Whether the group's committed offsets reach `ends` on every partition this member holds. */
  private async caughtUp(ends: Map<string, bigint>): Promise<boolean> {
    const topics = Object.keys(this.assignment);
    const committed = await this.admin.fetchOffsets({ groupId: this.groupId, topics });
    for (const topic of topics) {
      const at = committed.find((entry) => entry.topic === topic)?.partitions ?? [];
      for (const partition of this.assignment[topic] ?? []) {
        const end = ends.get(`${topic}:${partition}`) ?? 0n;
        const offset = BigInt(at.find((entry) => entry.partition === partition)?.offset ?? '-1');
        if (end > 0n && offset < end) return false;
      }
    }
    return true;
  }

  private async consumeBatch(payload: EachBatchPayload, writer: VerdictWriter): Promise<void> {
    const { batch, isRunning, isStale } = payload;
    const { topic, partition, messages } = batch;
    const state = this.partitions.get(partition);
    if (state === undefined || messages.length === 0 || !isRunning() || isStale()) return;
    if (state.warmUntil === null) {
      const first = BigInt(messages[0]!.offset);
      state.warmUntil = first;
      const from = await this.offsetAt(partition, Date.now() - this.config.findingsDedupMs);
      if (from < first) {
        this.consumer.seek({ topic, partition, offset: String(from) });
        return;
      }
    }
    const taken = emptyBatch();
    for (const message of messages) this.take(message, state, taken, partition);
    const last = messages[messages.length - 1]!.offset;
    if (BigInt(last) >= state.warmUntil) await this.writeAndCommit(payload, writer, taken);
    else payload.resolveOffset(last);
    this.forgetOlderThan(state, Date.now() - this.config.findingsDedupMs);
    await payload.heartbeat();
  }

  private async consumeHops(payload: EachBatchPayload, writer: VerdictWriter): Promise<void> {
    const { batch, isRunning, isStale } = payload;
    if (batch.messages.length === 0 || !isRunning() || isStale()) return;
    const taken = emptyBatch();
    for (const message of batch.messages) {
      const read = readHop(message);
      if (!read.ok)
        taken.deadLetters.push(this.deadLetter(message, batch.topic, batch.partition, read.reason));
      // Watermark marks are for the detect stage: nothing to store.
      else if ('hop' in read) taken.hops.push(read.hop);
    }
    await this.writeAndCommit(payload, writer, taken);
    await payload.heartbeat();
  }

  /** Writes what the batch gave, waits until it is durable, then commits past the batch. */
  private async writeAndCommit(
    payload: EachBatchPayload,
    writer: VerdictWriter,
    taken: VerdictBatch,
  ): Promise<void> {
    const { topic, partition, messages } = payload.batch;
    const retry = {
      between: () => payload.heartbeat(),
      giveUp: () => this.stopDeadline !== null && Date.now() > this.stopDeadline,
    };
    await untilDone(
      'storing and alerting findings',
      async () => {
        await writer.write(taken);
        // A findings batch must not wait for the hop batch filling in the store (up to a second).
        await (taken.hops.length > 0 ? writer.flush() : writer.flushVerdicts());
      },
      this.logger,
      retry,
    );
    const last = messages[messages.length - 1]!.offset;
    await this.consumer.commitOffsets([{ topic, partition, offset: String(BigInt(last) + 1n) }]);
    payload.resolveOffset(last);
    if (this.stopDeadline !== null) this.stopDeadline = Date.now() + stopGraceMs;
  }

  private take(message: KafkaMessage, state: PartitionState, taken: VerdictBatch, partition: number): void {
    const verdict = readVerdict(message);
    const warming = BigInt(message.offset) < (state.warmUntil ?? 0n);
    if (!verdict.ok) {
      if (!warming)
        taken.deadLetters.push(
          this.deadLetter(message, this.config.findingsTopic, partition, verdict.reason),
        );
      return;
    }
    if (state.seen.has(verdict.dedupKey)) {
      if (!warming) this.duplicates++;
      return;
    }
    state.seen.set(verdict.dedupKey, Number(message.timestamp));
    if (warming) return;
    if (verdict.kind === 'finding') taken.findings.push(verdict.finding);
    else taken.incidents.push(verdict.incident);
  }

  /** The earliest offset of the partition written at or after `timestamp` (its end when there is none). */
  private async offsetAt(partition: number, timestamp: number): Promise<bigint> {
    const offsets = await this.admin.fetchTopicOffsetsByTimestamp(this.config.findingsTopic, timestamp);
    const offset = offsets.find((entry) => entry.partition === partition)?.offset ?? '-1';
    return BigInt(offset) < 0n ? BigInt(Number.MAX_SAFE_INTEGER) : BigInt(offset);
  }

  /** Keys are seen in offset order, so roughly by time: the oldest are at the front. */
  private forgetOlderThan(state: PartitionState, before: number): void {
    for (const [key, at] of state.seen) {
      if (at >= before) return;
      state.seen.delete(key);
    }
  }

  private deadLetter(message: KafkaMessage, topic: string, partition: number, reason: string): DeadLetter {
    return {
      receivedAt: Date.now(),
      reason,
      raw: (message.value?.toString() ?? '').slice(0, deadLetterRawChars),
      source: 'kafka',
      topic,
      partition,
      offset: message.offset,
    };
  }
}

function emptyBatch(): VerdictBatch {
  return { findings: [], incidents: [], hops: [], deadLetters: [] };
}
