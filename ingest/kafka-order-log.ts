import { type FileHandle, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AppendNotCutError, appendWhole } from '../common/append-whole.js';
import { parsedOrUndefined } from '../common/json.js';
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
  /** Set when the log's state on disk is in doubt (a cut it could not undo, a failed fsync): only a restart helps. */
  private failure: Error | null = null;
  private unsynced = false;
  /** The last write failed, and what it held waits to be written again. */
  private behind = false;

  private constructor(
    private readonly dataDir: string,
    private currentSegment: number,
    private file: FileHandle,
    /** Bytes of whole lines in the segment: where a failed write is cut back to. */
    private fileBytes: number,
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
    const whole = wholeLines(text);
    const file = await open(path, 'a+');
    const bytes = Buffer.byteLength(whole);
    await file.truncate(bytes);
    const log = new KafkaOrderLog(dataDir, segment, file, bytes);
    return { log, entries: log.parse(whole) };
  }

  /**
   * Whether the log keeps up: false while a failed write waits to be tried again (a full disk), and for
   * good once it cannot go on (see `failure`). The Kafka source is not ready meanwhile.
   */
  get healthy(): boolean {
    return this.failure === null && !this.behind;
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

  /**
   * Resolves once everything appended before the call is on disk. A write that fails (a full disk) is
   * cut off again and tried anew at the next call, so the log recovers once there is room; a failed
   * fsync leaves what was written in doubt, and the log fails for good (see `healthy`).
   */
  durable(): Promise<void> {
    return this.queue(async () => {
      await this.writePending();
      if (!this.unsynced) return;
      try {
        await this.file.datasync();
      } catch (error) {
        this.failure = new Error(
          `the Kafka order log cannot be synced (${(error as Error).message}); restart hopwatch`,
        );
        throw this.failure;
      }
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
    this.fileBytes = 0;
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
    // A failure is not lost: its text waits for durable(), which fails with it if it fails again.
    void this.queue(() => this.writePending()).catch(() => undefined);
  }

  /** Writes what is buffered, taken when its turn comes so that text kept from a failed write goes first. */
  private async writePending(): Promise<void> {
    const text = this.buffered;
    if (text.length === 0) return;
    this.buffered = '';
    try {
      await appendWhole(this.file, text, this.fileBytes, false);
    } catch (error) {
      this.behind = true;
      this.buffered = text + this.buffered;
      if (error instanceof AppendNotCutError)
        this.failure = new Error(
          `the Kafka order log cannot be written (${error.message}); restart hopwatch`,
        );
      throw this.failure ?? new Error(`the Kafka order log cannot be written (${(error as Error).message})`);
    }
    this.fileBytes += Buffer.byteLength(text);
    this.unsynced = true;
    this.behind = false;
  }

  /** One file operation at a time, in order; none once the log has failed for good. */
  private queue(operation: () => Promise<void>): Promise<void> {
    return this.fileOperations.run(async () => {
      if (this.failure !== null) throw this.failure;
      await operation();
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

/** The lines before the first that a crash cut short or that does not read (an older version's, after a cut one). */
function wholeLines(text: string): string {
  let end = 0;
  for (let next = text.indexOf('\n'); next !== -1; next = text.indexOf('\n', end)) {
    if (next > end && parsedOrUndefined(text.slice(end, next)) === undefined) break;
    end = next + 1;
  }
  return text.slice(0, end);
}

async function removeSegments(dataDir: string, remove: (segment: number) => boolean): Promise<void> {
  for (const segment of await numberedFiles(dataDir, segmentPattern)) {
    if (remove(segment)) await rm(join(dataDir, segmentName(segment)), { force: true });
  }
}
