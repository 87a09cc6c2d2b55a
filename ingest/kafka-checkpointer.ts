import type { Logger } from 'pino';
import type { Finding } from '../schemas/finding.js';
import { writeCheckpoint } from './kafka-checkpoint.js';
import type { ConsumedOffsets, PartitionOffset } from './kafka-offsets.js';
import { type RetryOptions, untilDone } from './kafka-retry.js';
import type { CheckpointedIntake } from './source.js';

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
 * snapshot, next offsets, findings held since the last one), then those findings, then the offset
 * commit. Nothing is published or committed before what it depends on is durable.
 */
export class Checkpointer {
  /** Findings taken from the pipeline whose file could not be written; they go into the next one. */
  private carried: Finding[] = [];
  private lastProgress = '';

  constructor(
    private readonly options: CheckpointerOptions,
    private readonly logger: Logger,
  ) {}

  async checkpoint(retry: RetryOptions): Promise<void> {
    const { intake, offsets, groupId } = this.options;
    const progress = this.progressMark();
    if (progress === this.lastProgress && this.carried.length === 0) return;
    await untilDone('writing to the store', () => intake.durable(), this.logger, retry);
    const taken = intake.takeCheckpoint();
    const findings = this.carried.concat(taken.findings);
    const started = performance.now();
    try {
      const bytes = await writeCheckpoint(this.options.file, {
        groupId,
        writtenAt: Date.now(),
        offsets: offsets.toCheckpoint(),
        engineJson: taken.engineJson,
        findings,
      });
      const ms = Math.round(performance.now() - started);
      this.logger.debug({ bytes, ms, findings: findings.length }, 'Kafka checkpoint written');
    } catch (error) {
      this.carried = findings;
      throw error;
    }
    this.carried = [];
    this.lastProgress = progress;
    await untilDone('writing to the store', () => intake.publish(findings), this.logger, retry);
    const uncommitted = offsets.uncommitted(this.options.assignment());
    if (uncommitted.length > 0 && (await this.options.commit(uncommitted)))
      offsets.markCommitted(uncommitted);
  }

  /** Changes whenever a checkpoint would differ from the last one: records consumed, events seen, watermark moved. */
  private progressMark(): string {
    return `${this.options.offsets.fingerprint()}|${this.options.intake.progress()}`;
  }
}
