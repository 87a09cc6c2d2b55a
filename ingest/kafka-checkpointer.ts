import type { Logger } from 'pino';
import { writeCheckpoint } from './kafka-checkpoint.js';
import type { ConsumedOffsets, PartitionOffset } from './kafka-offsets.js';
import type { KafkaOrderLog } from './kafka-order-log.js';
import { type RetryOptions, untilDone } from './kafka-retry.js';
import type { CheckpointedIntake } from './source.js';

export type CheckpointerOptions = {
  file: string;
  groupId: string;
  intake: Pick<CheckpointedIntake, 'durable' | 'progress' | 'writeSnapshot'>;
  offsets: ConsumedOffsets;
  orderLog: KafkaOrderLog;
  /** Commits offsets to the group; resolves false when the group refused them (rebalancing). */
  commit(offsets: PartitionOffset[]): Promise<boolean>;
  assignment(): Record<string, number[]>;
  /** A split stage's tasks written to their changelog, after the file and before the commit; resolves to the bytes written. */
  saveTasks?(): Promise<number>;
};

/**
 * One checkpoint: store first (hops, dead letters and findings of every consumed record), then the
 * file (engine snapshot, next offsets, the order log that follows), then a fresh order log, then a
 * split stage's task changelog, then the offset commit. Nothing is committed before what it depends on is durable. The caller keeps records
 * from the engine meanwhile; `frozen` keeps the idle watermark still while the snapshot is written.
 */
export class Checkpointer {
  private lastProgress = '';
  private checkpointBytes = 0;
  /** Bytes of records the engine took since the last checkpoint, and as of the previous tick. */
  private consumedBytes = 0;
  private consumedAtTick = 0;
  private writing = false;

  constructor(
    private readonly options: CheckpointerOptions,
    private readonly logger: Logger,
  ) {}

  get frozen(): boolean {
    return this.writing;
  }

  /** The engine took records of so many bytes. */
  consumed(bytes: number): void {
    this.consumedBytes += bytes;
  }

  /**
   * A checkpoint costs in proportion to the engine state, a restart in proportion to the records read
   * again: one is due once the records taken since the last are as many bytes as that checkpoint was
   * (so writing checkpoints never costs more than reading, and a restart replays no more), or when
   * consumption went quiet since the previous tick (caught up: the group's offsets follow at once).
   */
  due(): boolean {
    const quiet = this.consumedBytes === this.consumedAtTick;
    this.consumedAtTick = this.consumedBytes;
    return quiet || this.consumedBytes >= this.checkpointBytes;
  }

  async checkpoint(retry: RetryOptions): Promise<void> {
    const { intake, offsets } = this.options;
    const progress = `${offsets.fingerprint()}|${intake.progress()}`;
    if (progress !== this.lastProgress) await this.write(retry, progress);
    // Also when nothing moved since: a commit the group refused during a rebalance is sent again.
    const uncommitted = offsets.uncommitted(this.options.assignment());
    if (uncommitted.length > 0 && (await this.options.commit(uncommitted)))
      offsets.markCommitted(uncommitted);
  }

  private async write(retry: RetryOptions, progress: string): Promise<void> {
    const { intake, offsets, groupId, orderLog } = this.options;
    const segment = orderLog.segment + 1;
    const started = performance.now();
    // From here the idle watermark stays still: what the snapshot holds must be in the store first.
    this.writing = true;
    try {
      await untilDone('writing to the store', () => intake.durable(), this.logger, retry);
      const fields = { groupId, writtenAt: Date.now(), offsets: offsets.toCheckpoint(), orderLog: segment };
      await orderLog.startSegment(segment, async () => {
        this.checkpointBytes = await writeCheckpoint(this.options.file, fields, (write) =>
          intake.writeSnapshot(write),
        );
      });
      // Part of the checkpoint's cost, which `due` weighs against what was read.
      this.checkpointBytes += (await this.options.saveTasks?.()) ?? 0;
    } finally {
      this.writing = false;
    }
    this.consumedBytes = 0;
    this.consumedAtTick = 0;
    this.lastProgress = progress;
    const ms = Math.round(performance.now() - started);
    this.logger.debug({ bytes: this.checkpointBytes, ms }, 'Kafka checkpoint written');
  }
}
