import { setImmediate } from 'node:timers/promises';
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { SerialQueue } from '../common/serial.js';
import type { KafkaConfig } from './config.js';
import { isWatermarkMark } from './decode.js';
import { StateChangelog } from './kafka-changelog.js';
import { checkpointPath, type KafkaCheckpoint } from './kafka-checkpoint.js';
import { Checkpointer } from './kafka-checkpointer.js';
import { createKafkaClient, ensureTopics, groupConsumer } from './kafka-client.js';
import { compressionType, registerCodecs } from './kafka-codecs.js';
import { DeadLetterProducer } from './kafka-dead-letters.js';
import { HeldPartitions } from './kafka-held-partitions.js';
import { EventTimeMerger } from './kafka-merge.js';
import { ConsumedOffsets, laterOffset, type PartitionOffset } from './kafka-offsets.js';
import { KafkaOrderLog } from './kafka-order-log.js';
import { type MessageRecord, messageRecords } from './kafka-records.js';
import { OrderReplay } from './kafka-replay.js';
import { retryStartup, untilDone } from './kafka-retry.js';
import { TaskHandover } from './kafka-task-handover.js';
import { holdsSeveralTraces } from './normalize.js';
import {
  type CheckpointedIntake,
  type ForwardedParts,
  type Source,
  type SourceContext,
  verdictCount,
} from './source.js';

export type KafkaSourceOptions = {
  /** The lane it feeds: `kafka`, or `kafka-detect` for the detect stage of a split pipeline. */
  name: string;
  config: KafkaConfig;
  dataDir: string;
  /** The checkpoint the lane's engine was restored from: its offsets, its order log (and findings an older version held). */
  restored: KafkaCheckpoint | null;
  /** A split stage's: where its partition tasks' state goes (see StateChangelog). */
  changelogTopic?: string;
};

/** Records handed to the pipeline at a time: small enough to heartbeat and yield often. */
const chunkRecords = 500;
/**
 * While a backlog is let out, hops go to the sinks after every chunk (a store that is down stops intake
 * at once) but findings at most this often: each forward of findings waits for the order log's fsync
 * and the findings topic's acknowledgement, about 20 ms apiece on a busy machine, and per chunk that
 * was 12 of the 28 s a 300k-record backlog took.
 */
const findingsEveryMs = 100;
/** Batches are buffered this long before records are let out, so that one fetch's partitions meet. */
const releaseDelayMs = 50;
/** How often waiting records are let out without a new batch, and how often partition ends are asked for. */
const releaseTickMs = 250;
const boundsTickMs = 1_000;
/** How long a stopping source keeps retrying an unavailable store for its final checkpoint. */
const stopGraceMs = 10_000;

/**
 * Kafka topics as a source: a consumer group with manual offsets. Batches are decoded into per-partition
 * queues and reach the engine in event-time order across the partitions this member holds
 * (EventTimeMerger), so that a backlog is not judged late partition after partition.
 *
 * Delivery: exactly-once findings through checkpoints and an order log. The engine sees each record
 * once (in `release`), and the order it took records from the partitions in (and every idle watermark
 * move between them) is appended to the order log before it does; findings go to the store and the
 * alert outbox as soon as the part of the log that raised them is on disk. From time to time (see
 * Checkpointer.due; on stop; on a rebalance noticed in a batch) the source waits until the hops, dead
 * letters and findings of everything consumed are in the store, writes the engine snapshot and the
 * next offsets to `<dataDir>/kafka-checkpoint.json` (atomically), starts a new order log and commits the
 * offsets. After a crash the engine restarts from that snapshot, consumption resumes at its offsets, and
 * the records are taken again in the logged order: the engine moves exactly as before the crash and
 * raises the same findings with the same ids, which the store and the outbox deduplicate. (Taking them
 * in event-time order again would not do: a live stream's partitions need not interleave as they did,
 * and windows, so finding ids, could differ.) Hops deduplicate by (traceId, id); dead letters are at
 * least once. Stateful: the detection windows live in the checkpoint, per instance; a partition that
 * moves to another member does not take its open windows along (see the README), except in a split
 * pipeline's stages, whose state is kept per partition task and moves through the stage's changelog
 * (StateChangelog): written at every checkpoint before the commit, read back on assignment.
 */
export class KafkaSource implements Source<CheckpointedIntake> {
  readonly name: string;
  private readonly kafka: Kafka;
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private readonly deadLetters: DeadLetterProducer;
  private changelog: StateChangelog | null = null;
  /** A split stage's tasks, moving through `changelog`. */
  private handover: TaskHandover | null = null;
  /** Taking tasks of a new assignment over: batches of its partitions wait for it. */
  private restoring: Promise<void> = Promise.resolve();
  private readonly offsets: ConsumedOffsets;
  private checkpointer: Checkpointer | null = null;
  private context: SourceContext<CheckpointedIntake> | null = null;
  private joined = false;
  private lastCrash: string | undefined;
  /** Topics already warned about for records holding several traces (see `severalTraces`). */
  private readonly warnedSeveralTraces = new Set<string>();
  private stopDeadline: number | null = null;
  /** The group member this source was at its last join: partitions it kept through a rebalance nobody else held meanwhile. */
  private memberId: string | undefined;
  /** Chunks and checkpoints never interleave. */
  private readonly exclusive = new SerialQueue();
  private timer: NodeJS.Timeout | null = null;
  private readonly queued = new Set<'release' | 'checkpoint'>();
  private releaseTimer: NodeJS.Timeout | null = null;
  private releaseDebounce: NodeJS.Timeout | null = null;
  private readonly merger = new EventTimeMerger();
  private readonly held: HeldPartitions;
  private orderLog: KafkaOrderLog | null = null;
  private replay: OrderReplay | null = null;
  private boundsTimer: NodeJS.Timeout | null = null;
  /** The heartbeat of the latest batch: waits outside a batch (store outage, idle release) keep the membership with it. */
  private currentHeartbeat: (() => Promise<void>) | null = null;

  constructor(
    private readonly options: KafkaSourceOptions,
    private readonly logger: Logger,
  ) {
    const { config } = options;
    this.name = options.name;
    this.kafka = createKafkaClient(config, logger);
    this.admin = this.kafka.admin();
    this.consumer = groupConsumer(this.kafka, config, config.groupId, 500);
    this.deadLetters = new DeadLetterProducer(
      this.kafka,
      config.deadLetterTopic,
      compressionType(config.compression),
    );
    this.offsets = new ConsumedOffsets(options.restored?.offsets);
    this.held = new HeldPartitions({
      admin: this.admin,
      groupId: config.groupId,
      fromBeginning: config.fromBeginning,
      merger: this.merger,
      offsets: this.offsets,
      movedOn: (topic, partition) =>
        this.replay?.partitionMovedOn(
          topic,
          partition,
          'another member took records of a partition it names',
        ),
    });
  }

  async start(context: SourceContext<CheckpointedIntake>): Promise<void> {
    this.context = context;
    const { config, restored } = this.options;
    await registerCodecs();
    const checkpointer = await this.openCheckpoints(context.intake);
    await retryStartup('connecting to Kafka', () => this.prepareTopics(), this.logger);
    // Findings held by a checkpoint of an older version may not have reached the store before it ended.
    if (restored !== null && verdictCount(restored) > 0) {
      await untilDone(
        'publishing the findings of the last checkpoint',
        () => context.intake.publish(restored),
        this.logger,
      );
    }
    this.followGroup();
    await retryStartup(
      'subscribing to the input topics',
      async () => {
        await this.consumer.connect();
        await this.consumer.subscribe({ topics: config.topics, fromBeginning: config.fromBeginning });
      },
      this.logger,
    );
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.consumeBatch(payload),
    });
    this.timer = setInterval(() => {
      if (checkpointer.due()) this.inBackground('checkpoint', () => this.checkpoint());
    }, config.checkpointIntervalMs);
    this.timer.unref();
    // A partition that goes quiet lets the others' waiting records out without a new batch.
    this.releaseTimer = setInterval(() => this.releaseInBackground(), releaseTickMs);
    this.releaseTimer.unref();
    this.boundsTimer = setInterval(() => this.refreshBoundsInBackground(), boundsTickMs);
    this.boundsTimer.unref();
  }

  /**
   * The order log since the restored checkpoint, what it says to take again, and the checkpointer that
   * writes the next checkpoint (with a split stage's tasks, through its changelog).
   */
  private async openCheckpoints(intake: CheckpointedIntake): Promise<Checkpointer> {
    const { config, restored, dataDir, changelogTopic } = this.options;
    const { log, entries } = await KafkaOrderLog.open(dataDir, restored?.orderLog ?? 0);
    this.orderLog = log;
    const replay = new OrderReplay(entries, this.logger);
    this.replay = replay;
    const tasks = intake.taskStates;
    if (tasks !== undefined && changelogTopic !== undefined) {
      const compression = compressionType(config.compression);
      this.changelog = new StateChangelog(this.kafka, changelogTopic, compression, this.logger);
      this.handover = new TaskHandover({
        tasks,
        changelog: this.changelog,
        offsets: this.offsets,
        merger: this.merger,
        logger: this.logger,
        takenOver: (topic, partition) =>
          replay.partitionMovedOn(
            topic,
            partition,
            'a partition it names was taken over from the state changelog',
          ),
      });
    }
    const { handover, held } = this;
    const checkpointer = new Checkpointer(
      {
        file: checkpointPath(dataDir),
        groupId: config.groupId,
        intake,
        offsets: this.offsets,
        orderLog: log,
        commit: (offsets: PartitionOffset[]) => this.commit(offsets),
        assignment: () => held.assignment,
        saveTasks:
          handover === null
            ? undefined
            : () => handover.save((topic, partition) => held.holds(topic, partition)),
      },
      this.logger,
    );
    this.checkpointer = checkpointer;
    intake.followInputOrder({
      get frozen() {
        return replay.active || checkpointer.frozen;
      },
      watermark: (watermark) => log.watermark(watermark),
      durable: () => log.durable(),
    });
    return checkpointer;
  }

  /** Assignments and crashes of the consumer, as the group tells them. */
  private followGroup(): void {
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.logger.info(
        { groupId: payload.groupId, assignment: payload.memberAssignment },
        'joined the Kafka consumer group',
      );
      this.assigned(payload.memberAssignment, payload.memberId);
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      this.joined = false;
      // Once per kind of failure: a batch that cannot be read crashes the consumer on every restart.
      const reason = payload.error.message;
      if (reason !== this.lastCrash)
        this.logger.error({ err: payload.error }, 'Kafka consumer crashed; restarting');
      this.lastCrash = reason;
      this.context?.reportFailure(this.name, reason);
    });
  }

  /** The topics this source reads and writes, created where missing, and the producers beside the consumer. */
  private async prepareTopics(): Promise<void> {
    const { config } = this.options;
    await this.admin.connect();
    const created = await ensureTopics(this.admin, config);
    if (created.length > 0)
      this.logger.info({ topics: created, partitions: config.topicPartitions }, 'created Kafka topics');
    await this.deadLetters.connect();
    if (this.changelog !== null) {
      if (await this.changelog.ensure(this.admin))
        this.logger.info({ topic: this.changelog.topic }, 'created the state changelog topic');
      await this.changelog.connect();
    }
  }

  /**
   * Final checkpoint while still a group member (so that the commit is accepted), then leaves the group.
   * Findings raised after this (the pipeline's drain) go out directly.
   */
  async stop(): Promise<void> {
    if (this.context === null) return;
    this.stopDeadline = Date.now() + stopGraceMs;
    if (this.timer !== null) clearInterval(this.timer);
    if (this.releaseTimer !== null) clearInterval(this.releaseTimer);
    if (this.boundsTimer !== null) clearInterval(this.boundsTimer);
    if (this.releaseDebounce !== null) clearTimeout(this.releaseDebounce);
    await this.exclusive
      .run(() => this.checkpoint())
      .catch((error: unknown) =>
        this.logger.error(
          { err: error },
          'final Kafka checkpoint failed: records since the previous one are read again on restart',
        ),
      );
    // The drain that follows closes every window; a restart resumes from the checkpoint before that.
    this.context.intake.followInputOrder(undefined);
    await this.orderLog?.close();
    await this.consumer.disconnect();
    await this.deadLetters.disconnect();
    await this.changelog?.disconnect();
    await this.admin.disconnect();
    this.joined = false;
    this.context = null;
  }

  /** What this member holds after a (re)join: records waiting for partitions it gave up are dropped. */
  private assigned(assignment: Record<string, number[]>, memberId: string): void {
    // A new member id (the session expired) means the partitions may have been someone else's meanwhile.
    const kept = memberId === this.memberId ? this.held.assignment : {};
    this.memberId = memberId;
    this.joined = true;
    this.lastCrash = undefined;
    this.held.assign(assignment);
    this.merger.assign(assignment);
    this.replay?.keepIfHeld(assignment);
    this.refreshBoundsInBackground();
    const { handover } = this;
    if (handover === null) return;
    const retry = { between: this.keepMembership, giveUp: this.pastStopDeadline };
    this.restoring = this.exclusive
      .run(() => handover.assigned(assignment, kept, retry))
      .catch((error: unknown) =>
        this.logger.error({ err: error }, 'could not read the state changelog; the new tasks start empty'),
      );
  }

  /** A member of the group, not stopping, and with an order log that keeps up (see KafkaOrderLog.healthy). */
  connected(): boolean {
    return this.joined && this.stopDeadline === null && this.orderLog?.healthy !== false;
  }

  /** Decodes the batch into the partition's queue, then lets out whatever event-time order allows. */
  private async consumeBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, isRunning, isStale } = payload;
    const { logger } = this;
    await this.restoring;
    const { topic, partition } = batch;
    this.currentHeartbeat = payload.heartbeat;
    // Below these offsets records are in the engine (restored from a checkpoint ahead of the committed
    // offset, or re-delivered after a rebalance) or already waiting: taking them again would count them twice.
    const consumed = this.offsets.next(topic, partition);
    const buffered = this.merger.bufferedUpTo(topic, partition) ?? 0n;
    const from = laterOffset(consumed, buffered);
    // Checked before decoding: nothing in between awaits, so the answer cannot change meanwhile.
    if (this.stopDeadline !== null || !isRunning() || isStale()) return;
    const { config } = this.options;
    const format = config.formatByTopic[topic];
    const limits = {
      maxRecordBytes: config.maxRecordBytes,
      deadLetterBytes: config.deadLetterMaxBytes,
      decoding: this.context?.intake.decoding ?? {},
    };
    const receivedAt = Date.now();
    const waiting: MessageRecord[] = [];
    for (const message of batch.messages) {
      if (BigInt(message.offset) < from) continue;
      const origin = { topic, partition, offset: message.offset, format };
      for (const record of messageRecords(message, origin, limits, receivedAt, logger)) {
        const { decoded } = record.decoded;
        if (decoded.ok && holdsSeveralTraces(decoded.events)) this.severalTraces(topic);
        waiting.push(record);
      }
    }
    const lastMessage = batch.messages[batch.messages.length - 1];
    const readUpTo = lastMessage === undefined ? undefined : BigInt(lastMessage.offset) + 1n;
    const held = this.merger.add(waiting, topic, partition, batch.highWatermark, readUpTo);
    if (held < 0) return;
    if (batch.messages.length > 0) payload.resolveOffset(batch.lastOffset());
    this.held.fetched(topic, partition, batch.highWatermark, held, () => payload.pause());
    // Not released here: the other partitions' batches of the same fetch come next, and records
    // released before they are buffered would overtake them.
    this.releaseSoon();
    await this.heartbeat(payload);
  }

  private releaseSoon(): void {
    if (this.releaseDebounce !== null) return;
    this.releaseDebounce = setTimeout(() => {
      this.releaseDebounce = null;
      this.releaseInBackground();
    }, releaseDelayMs);
  }

  /** Exclusive, so that a checkpoint never falls between records reaching the engine and their store write. */
  private async release(): Promise<void> {
    // While stopping, waiting on the store or the broker ends at the stop deadline: SIGTERM finishes.
    const retry = { between: this.keepMembership, giveUp: this.pastStopDeadline };
    const intake = this.context?.intake;
    if (intake === undefined) return;
    const forward = (parts: ForwardedParts) =>
      untilDone('writing to the store', () => intake.forward(parts), this.logger, retry);
    let findingsHeld = false;
    let findingsForwardedAt = performance.now();
    while (this.stopDeadline === null) {
      const taken = this.nextRecords(intake);
      if (taken === null) break;
      let bytes = 0;
      // Counted, marks would keep consumption from going quiet for the checkpointer, and their few
      // bytes from adding up to a checkpoint's size: nothing would be committed.
      for (const record of taken) if (!isWatermarkMark(record.decoded)) bytes += record.bytes;
      this.checkpointer?.consumed(bytes);
      const outcome = intake.accept(taken.map((record) => record.decoded));
      for (const { topic, partition, offset } of taken) this.offsets.seen(topic, partition, offset);
      const rejected = outcome.rejects.map(({ index, reason }) => {
        const { topic, partition, offset, key, decoded, deadLetterValue, original } = taken[index]!;
        const format = decoded.record.format;
        return { topic, partition, offset, key, reason, format, value: deadLetterValue, original };
      });
      await untilDone(
        'writing to the dead-letter topic',
        () => this.deadLetters.send(rejected),
        this.logger,
        retry,
      );
      findingsHeld = performance.now() - findingsForwardedAt < findingsEveryMs;
      if (findingsHeld) await forward('rows');
      else {
        await forward('all');
        findingsForwardedAt = performance.now();
      }
      await setImmediate();
    }
    // What the engine raised reaches the sinks before the exclusive section ends (and a checkpoint may run).
    if (findingsHeld) await forward('all');
    this.held.resumeDrained();
    this.reportLag();
  }

  /**
   * The records the engine takes next, the order log's entry for them already appended: while the
   * restored checkpoint's log has moves left, what it says (see OrderReplay.next); then up to a chunk
   * in event-time order.
   */
  private nextRecords(intake: CheckpointedIntake): MessageRecord[] | null {
    if (this.replay?.active)
      return this.replay.next(this.merger, (watermark) => intake.advanceWatermark(watermark));
    const taken = this.merger.take(chunkRecords);
    if (taken.length === 0) return null;
    this.orderLog?.take(taken);
    return taken;
  }

  private readonly keepMembership = (): Promise<void> => this.currentHeartbeat?.() ?? Promise.resolve();

  private refreshBoundsInBackground(): void {
    if (this.stopDeadline !== null || this.held.isEmpty) return;
    this.refreshBounds().catch((error: unknown) =>
      this.logger.debug({ err: error }, 'could not read partition offsets; asking again'),
    );
  }

  /** The broker's view of the partitions held (see HeldPartitions.refresh), then what it lets out. */
  private async refreshBounds(): Promise<void> {
    await this.held.refresh();
    this.reportLag();
    this.releaseInBackground();
  }

  /**
   * A record holding hops of several traces lands in the partition of its key, so the other traces'
   * hops may be in another partition than the rest of their trace: an engine per partition (a split
   * pipeline, several instances) then judges each piece apart. Counted, and said once per topic.
   */
  private severalTraces(topic: string): void {
    this.context?.reportSeveralTraces(topic);
    if (this.warnedSeveralTraces.has(topic)) return;
    this.warnedSeveralTraces.add(topic);
    this.logger.warn(
      { topic },
      'a record holds hops of several traces: with more than one instance or a split pipeline, a trace whose hops come in records keyed differently is judged in pieces; send one trace per record (OpenTelemetry Collector: partition_traces_by_id)',
    );
  }

  private reportLag(): void {
    const context = this.context;
    if (context !== null)
      this.held.reportLag((topic, partition, lag) => context.reportLag(topic, partition, lag));
  }

  private releaseInBackground(): void {
    if (this.stopDeadline === null) this.inBackground('release', () => this.release());
  }

  /** Queues `task` behind the others unless one of its kind already waits; the timers retry what fails. */
  private inBackground(kind: 'release' | 'checkpoint', task: () => Promise<void>): void {
    if (this.queued.has(kind)) return;
    this.queued.add(kind);
    this.exclusive
      .run(task)
      .catch((error: unknown) => this.logger.warn({ err: error }, `Kafka ${kind} failed; retrying`))
      .finally(() => this.queued.delete(kind));
  }

  /** A heartbeat that finds the group rebalancing checkpoints first, while the commit is still accepted. */
  private async heartbeat(payload: EachBatchPayload): Promise<void> {
    try {
      await payload.heartbeat();
    } catch (error) {
      if ((error as { type?: string }).type === 'REBALANCE_IN_PROGRESS') {
        await this.exclusive
          .run(() => this.checkpoint(() => true))
          .catch((failure: unknown) =>
            this.logger.warn(
              { err: failure },
              'no checkpoint before the rebalance: records since the last one may be read twice',
            ),
          );
      }
      throw error;
    }
  }

  private readonly pastStopDeadline = (): boolean =>
    this.stopDeadline !== null && Date.now() > this.stopDeadline;

  /**
   * `giveUp` bounds the waiting for an unavailable store: by default, only while stopping. None while
   * the order log is being followed: the checkpoint written before it is what a restart needs.
   */
  private checkpoint(giveUp = this.pastStopDeadline): Promise<void> {
    if (this.replay?.active) return Promise.resolve();
    return this.checkpointer?.checkpoint({ giveUp, between: this.keepMembership }) ?? Promise.resolve();
  }

  /** A refused commit (the group is rebalancing) waits for the next checkpoint; the file has the offsets. */
  private async commit(offsets: PartitionOffset[]): Promise<boolean> {
    try {
      await this.consumer.commitOffsets(offsets);
      return true;
    } catch (error) {
      this.logger.info(
        { reason: (error as Error).message },
        'offset commit refused; the checkpoint has the offsets',
      );
      return false;
    }
  }
}
