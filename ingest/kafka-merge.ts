import { eventTimeOf } from './decode.js';
import { laterOffset, partitionKey } from './kafka-offsets.js';
import type { OrderRun } from './kafka-order-log.js';
import type { MessageRecord } from './kafka-records.js';

type PartitionQueue = {
  topic: string;
  partition: number;
  /** Records from `head` on wait; slots before it were taken and are cleared. */
  records: Array<MessageRecord | undefined>;
  times: number[];
  head: number;
  /** Offset after the last buffered message; -1 before the first batch. */
  bufferedUpTo: bigint;
  /** Where reading starts (committed or checkpointed offset, else the log start); -1 while unknown. */
  start: bigint;
  /** The partition's end, the latest known from a fetch or from the broker's offsets; -1 while unknown. */
  end: bigint;
};

/**
 * Event-time alignment across the partitions one member holds. The detection engine has one
 * watermark; fed partition by partition, a backlog would reach it as minutes of one partition, then
 * minutes of the next, all late. Here records wait per partition and leave in event-time order, as
 * long as every partition has something waiting or has nothing more to give: read up to its end as
 * the broker last reported it (an empty partition, or one caught up). The rule depends on the data
 * only, never on how long a partition stayed silent, so a busy CPU cannot change the order. Within a
 * partition, Kafka order is kept.
 */
export class EventTimeMerger {
  private readonly queues = new Map<string, PartitionQueue>();

  /** The partitions held now: queues of others are dropped (their records were never consumed). */
  assign(assignment: Record<string, number[]>): void {
    const kept = new Set<string>();
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        const key = partitionKey(topic, partition);
        kept.add(key);
        if (!this.queues.has(key)) this.queues.set(key, emptyQueue(topic, partition));
      }
    }
    for (const key of this.queues.keys()) if (!kept.has(key)) this.queues.delete(key);
  }

  /** Offset after the last buffered message of the partition, if it has buffered any. */
  bufferedUpTo(topic: string, partition: number): bigint | undefined {
    const queue = this.queues.get(partitionKey(topic, partition));
    return queue === undefined || queue.bufferedUpTo < 0n ? undefined : queue.bufferedUpTo;
  }

  /** Where reading a partition starts, and where it ends now (the broker's high watermark). */
  setBounds(topic: string, partition: number, bounds: { start?: bigint; end?: bigint }): void {
    const queue = this.queues.get(partitionKey(topic, partition));
    if (queue === undefined) return;
    if (bounds.start !== undefined && bounds.start > queue.start) queue.start = bounds.start;
    if (bounds.end !== undefined && bounds.end > queue.end) queue.end = bounds.end;
  }

  /**
   * Buffers what the caller kept of one fetched batch (in offset order); returns how many records the
   * partition now holds, or -1 for a partition not assigned (any more): its batch is dropped.
   * `readUpTo`: the offset after the batch's last message (undefined for an empty fetch), counted as
   * read even when the caller kept none of its records (below what the engine holds, a task taken
   * over from the changelog): a partition whose remaining records were all skipped so has nothing
   * more to give, instead of holding the others back for good.
   */
  add(
    records: MessageRecord[],
    topic: string,
    partition: number,
    highWatermark: string,
    readUpTo: bigint | undefined,
  ): number {
    const queue = this.queues.get(partitionKey(topic, partition));
    if (queue === undefined) return -1;
    for (const record of records) {
      queue.records.push(record);
      queue.times.push(eventTimeOf(record.decoded));
    }
    if (readUpTo !== undefined && readUpTo > queue.bufferedUpTo) queue.bufferedUpTo = readUpTo;
    const end = BigInt(highWatermark);
    if (end > queue.end) queue.end = end;
    return queue.records.length - queue.head;
  }

  waiting(topic: string, partition: number): number {
    const queue = this.queues.get(partitionKey(topic, partition));
    return queue === undefined ? 0 : queue.records.length - queue.head;
  }

  /** Up to `max` records in event-time order, as far as every partition allows. */
  take(max: number): MessageRecord[] {
    const taken: MessageRecord[] = [];
    while (taken.length < max) {
      let earliest: PartitionQueue | null = null;
      for (const queue of this.queues.values()) {
        if (queue.head === queue.records.length) {
          if (caughtUp(queue)) continue;
          return this.compact(taken);
        }
        if (earliest === null || queue.times[queue.head]! < earliest.times[earliest.head]!) earliest = queue;
      }
      if (earliest === null) break;
      taken.push(shift(earliest));
    }
    return this.compact(taken);
  }

  /**
   * The records of `runs` (so many of each partition, in Kafka order), when all are buffered: a restart
   * following its order log. `waiting` while some are still to be fetched; `unavailable` when a
   * partition has nothing more to give (or is not held), so the log can no longer be followed.
   */
  takeRuns(runs: readonly OrderRun[]): MessageRecord[] | 'waiting' | 'unavailable' {
    const needed = new Map<PartitionQueue, number>();
    for (const { topic, partition, count } of runs) {
      const queue = this.queues.get(partitionKey(topic, partition));
      if (queue === undefined) return 'unavailable';
      needed.set(queue, (needed.get(queue) ?? 0) + count);
    }
    for (const [queue, count] of needed) {
      if (queue.records.length - queue.head >= count) continue;
      return caughtUp(queue) ? 'unavailable' : 'waiting';
    }
    const taken: MessageRecord[] = [];
    for (const { topic, partition, count } of runs) {
      const queue = this.queues.get(partitionKey(topic, partition))!;
      for (let index = 0; index < count; index++) taken.push(shift(queue));
    }
    return this.compact(taken);
  }

  /**
   * Drops the taken slots once they are half of a queue: splicing them out after every take moved
   * the whole queue (up to 8,000 records) each time, 1 % of a backlog's main thread.
   */
  private compact(taken: MessageRecord[]): MessageRecord[] {
    for (const queue of this.queues.values()) {
      if (queue.head === 0 || queue.head * 2 < queue.records.length) continue;
      queue.records.splice(0, queue.head);
      queue.times.splice(0, queue.head);
      queue.head = 0;
    }
    return taken;
  }
}

/** The partition's next waiting record, its slot cleared so that the queue no longer holds it. */
function shift(queue: PartitionQueue): MessageRecord {
  const record = queue.records[queue.head]!;
  queue.records[queue.head] = undefined;
  queue.head += 1;
  return record;
}

/** Whether the others may go on without this partition, which has nothing waiting: it has nothing more to give. */
function caughtUp(queue: PartitionQueue): boolean {
  const position = laterOffset(queue.bufferedUpTo, queue.start);
  return queue.end >= 0n && position >= 0n && position >= queue.end;
}

function emptyQueue(topic: string, partition: number): PartitionQueue {
  return { topic, partition, records: [], times: [], head: 0, bufferedUpTo: -1n, start: -1n, end: -1n };
}
