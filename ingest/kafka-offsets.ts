import type { CheckpointOffsets } from './kafka-checkpoint.js';

export type PartitionOffset = { topic: string; partition: number; offset: string };

/** The later of two offsets (Math.max takes no bigint). */
export function laterOffset(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/** One key per topic partition, for maps. */
export const partitionKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/**
 * Per partition, the next offset the engine would see (it has seen every record below it) and the
 * offset last committed to the group: what a checkpoint records and what a commit may send.
 */
export class ConsumedOffsets {
  private readonly consumed = new Map<string, PartitionOffset>();
  private readonly committed = new Map<string, string>();

  constructor(restored: CheckpointOffsets = {}) {
    for (const [topic, partitions] of Object.entries(restored)) {
      for (const [partition, offset] of Object.entries(partitions)) {
        this.consumed.set(partitionKey(topic, Number(partition)), {
          topic,
          partition: Number(partition),
          offset,
        });
      }
    }
  }

  next(topic: string, partition: number): bigint {
    return BigInt(this.consumed.get(partitionKey(topic, partition))?.offset ?? '0');
  }

  /** The engine has seen the record at `offset`. */
  seen(topic: string, partition: number, offset: string): void {
    this.consumed.set(partitionKey(topic, partition), {
      topic,
      partition,
      offset: (BigInt(offset) + 1n).toString(),
    });
  }

  /**
   * The group's committed offset of a partition just assigned. Records below it that this engine has
   * not seen were taken by the member that held the partition meanwhile: the next offset moves up to
   * it, so that a commit never sends the group back over them. Returns whether it moved.
   */
  groupCommitted(topic: string, partition: number, offset: bigint): boolean {
    const key = partitionKey(topic, partition);
    const committed = offset.toString();
    this.committed.set(key, committed);
    if (this.next(topic, partition) >= offset) return false;
    this.consumed.set(key, { topic, partition, offset: committed });
    return true;
  }

  /** The partition's task came from its changelog: the engine holds every record below `offset`. */
  resume(topic: string, partition: number, offset: bigint): void {
    this.consumed.set(partitionKey(topic, partition), { topic, partition, offset: offset.toString() });
  }

  /** The partition's task left this instance, or starts empty: nothing of it is held. */
  forget(topic: string, partition: number): void {
    this.consumed.delete(partitionKey(topic, partition));
    this.committed.delete(partitionKey(topic, partition));
  }

  /** Records between the next offset and `highWatermark` (the partition's end as last fetched). */
  lag(topic: string, partition: number, highWatermark: bigint): number {
    const next = this.next(topic, partition);
    return Number(highWatermark > next ? highWatermark - next : 0n);
  }

  toCheckpoint(): CheckpointOffsets {
    const offsets: CheckpointOffsets = {};
    for (const { topic, partition, offset } of this.consumed.values()) {
      offsets[topic] ??= {};
      offsets[topic][String(partition)] = offset;
    }
    return offsets;
  }

  /** Changes whenever a record was consumed. */
  fingerprint(): string {
    return [...this.consumed.values()].map((entry) => entry.offset).join(',');
  }

  /** Offsets of the assigned partitions that moved since their last commit. */
  uncommitted(assignment: Record<string, number[]>): PartitionOffset[] {
    const offsets: PartitionOffset[] = [];
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        const key = partitionKey(topic, partition);
        const consumed = this.consumed.get(key);
        if (consumed !== undefined && this.committed.get(key) !== consumed.offset) offsets.push(consumed);
      }
    }
    return offsets;
  }

  markCommitted(offsets: PartitionOffset[]): void {
    for (const { topic, partition, offset } of offsets)
      this.committed.set(partitionKey(topic, partition), offset);
  }
}
