import type { Logger } from 'pino';
import type { SavedTask, StateChangelog } from './kafka-changelog.js';
import type { EventTimeMerger } from './kafka-merge.js';
import type { ConsumedOffsets } from './kafka-offsets.js';
import { type RetryOptions, untilDone } from './kafka-retry.js';
import { partitionTask, type TaskStates, taskPartition } from './source.js';

export type TaskHandoverOptions = {
  tasks: TaskStates;
  changelog: StateChangelog;
  offsets: ConsumedOffsets;
  merger: EventTimeMerger;
  logger: Logger;
  /** A partition's task was taken over from the changelog: records of it this engine took before are not in its state. */
  takenOver: (topic: string, partition: number) => void;
};

/**
 * A split stage's partition tasks moving between the members of its group through the stage's
 * changelog (StateChangelog): written at every checkpoint before the commit, read back on assignment.
 */
export class TaskHandover {
  constructor(private readonly options: TaskHandoverOptions) {}

  /**
   * The tasks of partitions this member gave up are dropped; those of partitions it did not hold
   * through the rebalance (`kept`) come from the changelog where it has a newer state than this
   * member's (the partition moved here, or came back after another member moved it on), else stay as
   * they are. Below a restored task's offset, records are skipped: the task has them.
   */
  async assigned(
    assignment: Record<string, number[]>,
    kept: Record<string, number[]>,
    retry: RetryOptions,
  ): Promise<void> {
    const { tasks, offsets, changelog, logger } = this.options;
    const held = new Set(tasksOf(assignment));
    for (const task of tasks.tasks()) {
      if (held.has(task)) continue;
      tasks.drop(task);
      const { topic, partition } = taskPartition(task);
      offsets.forget(topic, partition);
    }
    const stayed = new Set(tasksOf(kept));
    const arriving = [...held].filter((task) => !stayed.has(task));
    if (arriving.length === 0) return;
    const saved = await untilDone(
      'reading the state changelog',
      () => changelog.read(arriving),
      logger,
      retry,
    );
    const local = new Set(tasks.tasks());
    for (const task of arriving) this.takeOver(task, local.has(task), saved.get(task));
  }

  /** Every task of a partition `holds` names, with the offset its state holds records below; resolves to the bytes written. */
  async save(holds: (topic: string, partition: number) => boolean): Promise<number> {
    const { tasks, offsets, changelog } = this.options;
    let bytes = 0;
    for (const task of tasks.tasks()) {
      const { topic, partition } = taskPartition(task);
      if (!holds(topic, partition)) continue;
      const offset = offsets.next(topic, partition);
      bytes += await changelog.save(task, offset, (write) => tasks.writeTask(task, write));
    }
    return bytes;
  }

  private takeOver(task: string, isLocal: boolean, saved: SavedTask | undefined): void {
    const { tasks, offsets, merger, logger } = this.options;
    const { topic, partition } = taskPartition(task);
    // At the same offset too: the group's offset, which the last holder committed with that state, may
    // already have moved this member's next offset there (HeldPartitions.refresh) while its own state, from
    // its checkpoint file, is older (a restart after a crash).
    const newer = saved !== undefined && (!isLocal || saved.offset >= offsets.next(topic, partition));
    if (newer && tasks.adopt(task, saved.snapshot)) {
      offsets.resume(topic, partition, saved.offset);
      // Reading starts there now: the bounds read at assignment may predate the take-over.
      merger.setBounds(topic, partition, { start: saved.offset });
      this.options.takenOver(topic, partition);
      logger.info({ task, offset: saved.offset.toString() }, 'took a task over from the state changelog');
    } else if (!isLocal) {
      offsets.forget(topic, partition);
      // An ingest task marks its watermark from now on, records or not: the detect stage waits for it.
      tasks.hold(task);
    }
  }
}

/** The task of every partition of `assignment`. */
function tasksOf(assignment: Record<string, number[]>): string[] {
  return Object.entries(assignment).flatMap(([topic, partitions]) =>
    partitions.map((partition) => partitionTask(topic, partition)),
  );
}
