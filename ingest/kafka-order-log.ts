import { type FileHandle, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { numberedFiles } from '../common/numbered-files.js';
import { SerialQueue } from '../common/serial.js';
import { partitionKey } from './kafka-offsets.js';

/** `count` records of one partition, taken in its Kafka order. */
export type OrderRun = { topic: string; partition: number; count: number };

/** What moved the engine, in the order it happened: records taken from partitions, or the idle watermark. */
export type OrderEntry = { kind: 'take'; runs: OrderRun[] } | { kind: 'watermark'; watermark: number };

const segmentPattern = /^kafka-order-(\d+)\.log$/;
const segmentName = (segment: number): string => `kafka-order-${segment}.log`;
/** Appended text waits in memory up to this size before it is written without waiting for `durable()`. */
const writeBehindChars = 256 * 1024;

/**
 * Since the last Kafka checkpoint, the order in which the engine took records from the partitions
 * (and the idle watermark moves between them): a few bytes per run of records, since the records
 * themselves are still in Kafka. A restart restores the checkpoint, reads the same offsets again and
 * follows this log, so the engine sees exactly what it saw before the crash, in the same order, and
 * raises the same findings with the same ids: which is what lets findings be published the moment
 * they are raised (store and alert outbox deduplicate what the replay raises again).
 *
 * One file per checkpoint, `<dataDir>/kafka-order-<segment>.log`, newline-delimited JSON: `{"p":[topic,
 * partition]}` names the next partition number of the file, `{"t":[p, count, p, count, …]}` is one
 * take, `{"w":watermark}` an idle watermark move. A line cut short by a crash is dropped on open.
 */
export class KafkaOrderLog {
  private readonly numbers = new Map<string, number>();
  private buffered = '';
  private readonly fileOperations = new SerialQueue();
  private failure: Error | null = null;
  private unsynced = false;

  private constructor(
    private readonly dataDir: string,
    private currentSegment: number,
    private file: FileHandle,
  ) {}

  /**
   * The log of `segment`, with what it holds already: the segment the restored checkpoint names, or 0
   * (the first run's, whose engine started empty at the group's offsets, as a restart without a
   * checkpoint does). Other segments' files are removed. Appends go after the last whole line.
   */
  static async open(
    dataDir: string,
    segment: number,
  ): Promise<{ log: KafkaOrderLog; entries: OrderEntry[] }> {
    await removeSegments(dataDir, (number) => number !== segment);
    const path = join(dataDir, segmentName(segment));
    const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    });
    const whole = text.slice(0, text.lastIndexOf('\n') + 1);
    const file = await open(path, 'a+');
    await file.truncate(Buffer.byteLength(whole));
    const log = new KafkaOrderLog(dataDir, segment, file);
    return { log, entries: log.parse(whole) };
  }

  get segment(): number {
    return this.currentSegment;
  }

  /** The engine is about to take `records` (in this order). */
  take(records: ReadonlyArray<{ topic: string; partition: number }>): void {
    const runs: number[] = [];
    let previous: { topic: string; partition: number } | undefined;
    for (const record of records) {
      if (previous?.topic === record.topic && previous.partition === record.partition) {
        runs[runs.length - 1] = runs[runs.length - 1]! + 1;
        continue;
      }
      runs.push(this.numberOf(record.topic, record.partition), 1);
      previous = record;
    }
    this.append(`{"t":${JSON.stringify(runs)}}\n`);
  }

  /** The engine is about to move its watermark to `watermark` without new records. */
  watermark(watermark: number): void {
    this.append(`{"w":${watermark}}\n`);
  }

  /** Resolves once everything appended before the call is on disk. */
  durable(): Promise<void> {
    this.writeBuffered();
    return this.queue(async () => {
      if (!this.unsynced) return;
      await this.file.datasync();
      this.unsynced = false;
    });
  }

  /**
   * Continues in a new, empty segment once `writeCheckpoint` has put a checkpoint naming it on disk;
   * the previous segments go. If the checkpoint fails, the log goes on where it was. Nothing may be
   * appended meanwhile.
   */
  async startSegment(segment: number, writeCheckpoint: () => Promise<void>): Promise<void> {
    await this.durable();
    const path = join(this.dataDir, segmentName(segment));
    const next = await open(path, 'w');
    try {
      await writeCheckpoint();
    } catch (error) {
      await next.close();
      await rm(path, { force: true });
      throw error;
    }
    const previous = this.file;
    this.file = next;
    this.currentSegment = segment;
    this.numbers.clear();
    // The checkpoint is on disk: what follows only tidies up, and a failure here is harmless.
    await previous.close().catch(() => undefined);
    await removeSegments(this.dataDir, (number) => number < segment).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.durable().catch(() => undefined);
    await this.file.close();
  }

  private numberOf(topic: string, partition: number): number {
    const key = partitionKey(topic, partition);
    let number = this.numbers.get(key);
    if (number === undefined) {
      number = this.numbers.size;
      this.numbers.set(key, number);
      this.buffered += `{"p":${JSON.stringify([topic, partition])}}\n`;
    }
    return number;
  }

  private append(line: string): void {
    this.buffered += line;
    if (this.buffered.length >= writeBehindChars) this.writeBuffered();
  }

  private writeBuffered(): void {
    if (this.buffered.length === 0) return;
    const text = this.buffered;
    this.buffered = '';
    void this.queue(async () => {
      // appendFile writes until every byte is written or fails: a bare write may stop short on a full
      // disk without failing, and the next entry would then follow a cut line.
      await this.file.appendFile(text);
      this.unsynced = true;
    }).catch(() => undefined);
  }

  /**
   * One file operation at a time, in order. After a failed one every later call fails with it: the
   * file may end in a cut line, and only a restart (which drops it) makes the log whole again.
   */
  private queue(operation: () => Promise<void>): Promise<void> {
    return this.fileOperations.run(async () => {
      if (this.failure !== null) throw this.failure;
      try {
        await operation();
      } catch (error) {
        this.failure = new Error(
          `the Kafka order log cannot be written (${(error as Error).message}); restart hopwatch`,
        );
        throw this.failure;
      }
    });
  }

  private parse(text: string): OrderEntry[] {
    const partitions: Array<{ topic: string; partition: number }> = [];
    const entries: OrderEntry[] = [];
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const value = JSON.parse(line) as { p?: [string, number]; t?: number[]; w?: number };
      if (value.p !== undefined) {
        const [topic, partition] = value.p;
        partitions.push({ topic, partition });
        this.numbers.set(partitionKey(topic, partition), this.numbers.size);
      } else if (value.w !== undefined) {
        entries.push({ kind: 'watermark', watermark: value.w });
      } else if (value.t !== undefined) {
        const runs: OrderRun[] = [];
        for (let index = 0; index < value.t.length; index += 2) {
          const { topic, partition } = partitions[value.t[index]!]!;
          runs.push({ topic, partition, count: value.t[index + 1]! });
        }
        entries.push({ kind: 'take', runs });
      }
    }
    return entries;
  }
}

async function removeSegments(dataDir: string, remove: (segment: number) => boolean): Promise<void> {
  for (const segment of await numberedFiles(dataDir, segmentPattern)) {
    if (remove(segment)) await rm(join(dataDir, segmentName(segment)), { force: true });
  }
}
