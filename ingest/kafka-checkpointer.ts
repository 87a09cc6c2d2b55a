import type { Logger } from 'pino';
import { writeCheckpoint } from './kafka-checkpoint.js';
import type { ConsumedOffsets, PartitionOffset } from './kafka-offsets.js';
import { type RetryOptions, untilDone } from './kafka-retry.js';
import { type CheckpointedIntake, joinVerdicts, noVerdicts, type Verdicts, verdictCount } from './source.js';

export type CheckpointerOptions = {
  file: string;
  groupId: string;
  intake: CheckpointedIntake;
  offsets: ConsumedOffsets;
  /** Commits offsets to the group; resolves false when the group refused them (rebalancing). */
  commit(offsets: PartitionOffset[]): Promise<boolean>;
  assignment(): Record<string, number[]>;
};

/**
 * One checkpoint: store first (hops and dead letters of every consumed record), then the file (engine
 * snapshot, next offsets, verdicts held since the last one), then those verdicts, then the offset
 * commit. Nothing is published or committed before what it depends on is durable.
 */
export class Checkpointer {
  /** Verdicts taken from the pipeline whose file could not be written; they go into the next one. */
  private carried: Verdicts = noVerdicts();
  private lastProgress = '';

  constructor(
    private readonly options: CheckpointerOptions,
    private readonly logger: Logger,
  ) {}

  async checkpoint(retry: RetryOptions): Promise<void> {
    const { intake, offsets, groupId } = this.options;
    const progress = this.progressMark();
    if (progress === this.lastProgress && verdictCount(this.carried) === 0) return;
    await untilDone('writing to the store', () => intake.durable(), this.logger, retry);
    const taken = intake.takeCheckpoint();
    const verdicts = joinVerdicts(this.carried, taken);
    const started = performance.now();
    try {
      const bytes = await writeCheckpoint(this.options.file, {
        groupId,
        writtenAt: Date.now(),
        offsets: offsets.toCheckpoint(),
        engineJson: taken.engineJson,
        ...verdicts,
      });
      const ms = Math.round(performance.now() - started);
      this.logger.debug({ bytes, ms, findings: verdicts.findings.length }, 'Kafka checkpoint written');
    } catch (error) {
      this.carried = verdicts;
      throw error;
    }
    this.carried = noVerdicts();
    this.lastProgress = progress;
    await untilDone('writing to the store', () => intake.publish(verdicts), this.logger, retry);
    const uncommitted = offsets.uncommitted(this.options.assignment());
    if (uncommitted.length > 0 && (await this.options.commit(uncommitted)))
      offsets.markCommitted(uncommitted);
  }

  /** Changes whenever a checkpoint would differ from the last one: records consumed, events seen, watermark moved. */
  private progressMark(): string {
    return `${this.options.offsets.fingerprint()}|${this.options.intake.progress()}`;
  }
}
