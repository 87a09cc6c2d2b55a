import type { KafkaMessage } from 'kafkajs';
import { eventTimeOf } from './decode.js';
import { partitionKey } from './kafka-offsets.js';
import type { MessageRecord } from './kafka-records.js';

/** A decoded record waiting for its turn, with the message it came from. */
export type WaitingRecord = MessageRecord & {
  topic: string;
  partition: number;
  message: KafkaMessage;
};

type PartitionQueue = {
  topic: string;
  partition: number;
  records: WaitingRecord[];
  times: number[];
  head: number;
  /** Offset after the last buffered message. */
  bufferedUpTo: bigint;
  /** The partition's end as of its last fetch; -1 while unknown. */
  highWatermark: bigint;
  lastBatchAt: number;
};

/**
 * Event-time alignment across the partitions one member holds. The detection engine has one
 * watermark; fed partition by partition, a backlog would reach it as minutes of one partition, then
 * minutes of the next, all late. Here records wait per partition and leave in event-time order, as
 * long as every partition has something waiting or has nothing more to give: fetched up to its high
 * watermark, or silent for `idleMs` (so that a quiet partition holds the others back by that at most).
 * Within a partition, Kafka order is kept.
 */
export class EventTimeMerger {
  private readonly queues = new Map<string, PartitionQueue>();

  constructor(private readonly idleMs: number) {}

  /** The partitions held now: queues of others are dropped (their records were never consumed). */
  assign(assignment: Record<string, number[]>, now: number): void {
    const kept = new Set<string>();
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        const key = partitionKey(topic, partition);
        kept.add(key);
        if (!this.queues.has(key)) this.queues.set(key, emptyQueue(topic, partition, now));
      }
    }
    for (const key of this.queues.keys()) if (!kept.has(key)) this.queues.delete(key);
  }

  /** Offset after the last buffered message of the partition, if it has buffered any. */
  bufferedUpTo(topic: string, partition: number): bigint | undefined {
    const queue = this.queues.get(partitionKey(topic, partition));
    return queue === undefined || queue.bufferedUpTo < 0n ? undefined : queue.bufferedUpTo;
  }

  /**
   * Buffers one fetched batch (messages in offset order); returns how many records the partition now
   * holds, or -1 for a partition not assigned (any more): its batch is dropped.
   */
  add(
    records: WaitingRecord[],
    topic: string,
    partition: number,
    highWatermark: string,
    now: number,
  ): number {
    const queue = this.queues.get(partitionKey(topic, partition));
    if (queue === undefined) return -1;
    for (const record of records) {
      queue.records.push(record);
      queue.times.push(eventTimeOf(record.decoded));
    }
    const last = records[records.length - 1];
    if (last !== undefined) queue.bufferedUpTo = BigInt(last.message.offset) + 1n;
    queue.highWatermark = BigInt(highWatermark);
    queue.lastBatchAt = now;
    return queue.records.length - queue.head;
  }

  waiting(topic: string, partition: number): number {
    const queue = this.queues.get(partitionKey(topic, partition));
    return queue === undefined ? 0 : queue.records.length - queue.head;
  }

  /** Up to `max` records in event-time order, as far as every partition allows. */
  take(max: number, now: number): WaitingRecord[] {
    const taken: WaitingRecord[] = [];
    while (taken.length < max) {
      let earliest: PartitionQueue | null = null;
      for (const queue of this.queues.values()) {
        if (queue.head === queue.records.length) {
          if (this.mayRunAhead(queue, now)) continue;
          return this.compact(taken);
        }
        if (earliest === null || queue.times[queue.head]! < earliest.times[earliest.head]!) earliest = queue;
      }
      if (earliest === null) break;
      taken.push(earliest.records[earliest.head]!);
      earliest.head += 1;
    }
    return this.compact(taken);
  }

  /** Whether the others may go on without this empty partition. */
  private mayRunAhead(queue: PartitionQueue, now: number): boolean {
    return (
      (queue.highWatermark >= 0n && queue.bufferedUpTo >= queue.highWatermark) ||
      now - queue.lastBatchAt >= this.idleMs
    );
  }

  private compact(taken: WaitingRecord[]): WaitingRecord[] {
    for (const queue of this.queues.values()) {
      if (queue.head === 0) continue;
      queue.records.splice(0, queue.head);
      queue.times.splice(0, queue.head);
      queue.head = 0;
    }
    return taken;
  }
}

function emptyQueue(topic: string, partition: number, now: number): PartitionQueue {
  return {
    topic,
    partition,
    records: [],
    times: [],
    head: 0,
    bufferedUpTo: -1n,
    highWatermark: -1n,
    lastBatchAt: now,
  };
}
