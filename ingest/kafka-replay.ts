import type { Logger } from 'pino';
import type { EventTimeMerger } from './kafka-merge.js';
import type { OrderEntry, OrderRun } from './kafka-order-log.js';
import type { MessageRecord } from './kafka-records.js';

/**
 * What the restored checkpoint's order log still says to do, until the engine has done it again (see
 * KafkaOrderLog): a restart takes the same records in the same order and raises the same findings with
 * the same ids. Abandoned, with a warning, when the log can no longer be followed (a partition it names
 * moved away or has fewer records than it took): consumption then goes on in event-time order.
 */
export class OrderReplay {
  constructor(
    private readonly entries: OrderEntry[],
    private readonly logger: Logger,
  ) {
    if (entries.length > 0)
      logger.info(
        { moves: entries.length },
        'taking the records since the last checkpoint again, in the order logged',
      );
  }

  /** Whether moves are left: the engine may then move only as the log says (no checkpoint, no idle watermark). */
  get active(): boolean {
    return this.entries.length > 0;
  }

  /**
   * The records of the next move, null until they are fetched. A watermark move is made here
   * (`advanceWatermark`), and its records are none; so are those of a move that cannot be followed.
   */
  next(merger: EventTimeMerger, advanceWatermark: (watermark: number) => void): MessageRecord[] | null {
    const entry = this.entries[0];
    if (entry === undefined) return [];
    if (entry.kind === 'watermark') {
      this.entries.shift();
      advanceWatermark(entry.watermark);
      return [];
    }
    const taken = merger.takeRuns(entry.runs);
    if (taken === 'waiting') return null;
    if (taken === 'unavailable') {
      this.abandon('a partition it names has fewer records than it took');
      return [];
    }
    this.entries.shift();
    return taken;
  }

  /** After a rebalance, the log can be followed only if this member still holds every partition it names. */
  keepIfHeld(assignment: Record<string, number[]>): void {
    if (this.names(({ topic, partition }) => !assignment[topic]?.includes(partition)))
      this.abandon('this member no longer holds every partition it names');
  }

  /** Abandons the log if a move still to be made takes records of the partition, which went on without them. */
  partitionMovedOn(topic: string, partition: number, reason: string): void {
    if (this.names((run) => run.topic === topic && run.partition === partition)) this.abandon(reason);
  }

  private names(test: (run: OrderRun) => boolean): boolean {
    return this.entries.some((entry) => entry.kind === 'take' && entry.runs.some(test));
  }

  /**
   * Goes on in event-time order: findings raised after this may differ from what the run before the
   * crash published from the same records (a duplicate under another id, at worst).
   */
  private abandon(reason: string): void {
    this.logger.warn(
      { reason, movesLeft: this.entries.length },
      'cannot follow the order log of the last checkpoint; taking records in event-time order',
    );
    this.entries.length = 0;
  }
}
