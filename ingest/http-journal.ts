import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { AppendNotCutError, appendWhole } from '../common/append-whole.js';
import { AtomicFile } from '../common/atomic-file.js';
import { parsedOrUndefined } from '../common/json.js';
import { readJsonFile } from '../common/json-file.js';
import { numberedFiles } from '../common/numbered-files.js';
import { readLines } from './lines.js';
import type { RawRecord } from './source.js';

/** What HTTP ingest took in, in the order the engine saw it: records with their receive time, and idle watermark moves. */
export type JournalEntry =
  | { kind: 'records'; receivedAt: number; records: RawRecord[] }
  | { kind: 'watermark'; watermark: number };

const checkpointSchema = z.object({
  version: z.literal(1),
  /** Replay starts at this segment; the engine state below already holds everything before it. */
  segment: z.number().int().nonnegative(),
  engine: z.unknown(),
});

export type JournalCheckpoint = { segment: number; engine: unknown };
/** A checkpoint being written: the engine state in JSON slices (see writeJsonInSlices), then commit or abort. */
export type PendingCheckpoint = {
  writeEngine(slice: string): Promise<void>;
  commit(): Promise<number>;
  abort(): Promise<void>;
};

/** How often a journal that could not take an entry tries whether it could now. */
const probeEveryMs = 1_000;

const segmentName = (segment: number) => `segment-${String(segment).padStart(12, '0')}.ndjson`;

/**
 * An entry the journal could not take (a full disk, an I/O error): the segment is cut back to the
 * entries before it, so nothing of it stands, and the caller answers that it was not taken.
 */
export class JournalWriteError extends Error {
  constructor(cause: unknown) {
    super(`the HTTP ingest journal cannot be written (${(cause as Error).message})`, { cause });
  }
}
const segmentPattern = /^segment-(\d{12})\.ndjson$/;

/**
 * The write-ahead log of HTTP ingest under `<dataDir>/http-journal/`: a request is answered 200 only
 * once what it carried is appended here and fsync'd, so a crash at any moment after the answer loses
 * nothing. On start, the engine resumes from the checkpoint and the segments after it are replayed
 * (finding ids and hop ids deduplicate what had already reached the store and the webhooks). A
 * checkpoint starts a new segment and drops the older ones, so the journal stays as short as the
 * time between checkpoints.
 */
export class HttpJournal {
  private file: FileHandle | null = null;
  private appending: Promise<void> = Promise.resolve();
  private appendedSinceRotation = 0;
  /** Bytes of whole entries in the current segment: where a failed append is cut back to. */
  private segmentBytes = 0;
  /** Set when a failed append could not be cut off: every later one fails, until a restart drops the cut line. */
  private broken: JournalWriteError | null = null;
  /** Set from a failed append until a probe (or an append) writes as many bytes as it tried to. */
  private unwritable: { bytes: number; probe: NodeJS.Timeout } | null = null;

  private constructor(
    private readonly directory: string,
    private segment: number,
  ) {}

  static async open(dataDir: string): Promise<HttpJournal> {
    const directory = join(dataDir, 'http-journal');
    await mkdir(directory, { recursive: true });
    const segments = await listSegments(directory);
    const journal = new HttpJournal(directory, (segments[segments.length - 1] ?? -1) + 1);
    journal.file = await open(join(directory, segmentName(journal.segment)), 'a');
    return journal;
  }

  /**
   * Whether an entry as large as the last that failed can be written now (a full disk, an I/O error):
   * while not, HTTP ingest refuses requests before reading them, and /readyz says so.
   */
  get writable(): boolean {
    return this.unwritable === null && this.broken === null;
  }

  /** Bytes appended since the last rotation: what a restart would replay beyond the next checkpoint. */
  get bytesSinceRotation(): number {
    return this.appendedSinceRotation;
  }

  /**
   * Appends and fsyncs, in call order; resolves once the entry is on disk. A write that fails part way
   * (a disk that fills up) is cut off again, and rejects with JournalWriteError: a later entry never
   * follows a cut line, and replay never meets one.
   */
  append(entry: JournalEntry): Promise<void> {
    const line = Buffer.from(`${JSON.stringify(entry)}\n`);
    const appended = this.appending.then(async () => {
      const file = this.file;
      if (file === null) throw new Error('the HTTP journal is closed');
      if (this.broken !== null) throw this.broken;
      try {
        await appendWhole(file, line, this.segmentBytes, true);
      } catch (error) {
        if (error instanceof AppendNotCutError) this.broken = new JournalWriteError(error);
        this.probeUntilWritable(line.length);
        throw new JournalWriteError(error);
      }
      this.writableAgain();
      this.segmentBytes += line.length;
      this.appendedSinceRotation += line.length;
    });
    this.appending = appended.catch(() => undefined);
    return appended;
  }

  /**
   * The checkpoint to resume from, or null: none written yet, or one that does not read (the engine
   * then starts empty and every segment still on disk is replayed).
   */
  async checkpoint(): Promise<JournalCheckpoint | null> {
    let value: unknown;
    try {
      value = await readJsonFile(this.checkpointFile());
    } catch {
      return null;
    }
    const parsed = checkpointSchema.safeParse(value);
    return parsed.success ? { segment: parsed.data.segment, engine: parsed.data.engine } : null;
  }

  /** Every entry of the segments from `segment` on, oldest first (the current one included). */
  async *entries(segment: number): AsyncGenerator<JournalEntry> {
    for (const number of await listSegments(this.directory)) {
      if (number < segment) continue;
      const stream = createReadStream(join(this.directory, segmentName(number)));
      for await (const { line } of readLines(stream, { maxLineBytes: Number.MAX_SAFE_INTEGER })) {
        // A line cut by a crash was never acknowledged: its request got no 200. So was one that does
        // not parse: an older version's journal could hold an entry written after a cut line.
        const entry = line.endsWith('}') ? parsedOrUndefined(line) : undefined;
        if (entry !== undefined) yield entry as JournalEntry;
      }
    }
  }

  /**
   * Starts a new segment, synchronously with whatever the caller snapshots, so that the snapshot
   * holds exactly the entries before it. Returns the new segment's number.
   */
  async rotate(): Promise<number> {
    await this.appending;
    const previous = this.file;
    this.segment += 1;
    this.appendedSinceRotation = 0;
    this.segmentBytes = 0;
    this.file = await open(join(this.directory, segmentName(this.segment)), 'a');
    await previous?.close();
    return this.segment;
  }

  /**
   * A new checkpoint for the engine state that holds every entry before `segment`: its JSON is written
   * in slices as it is produced (`writeEngine`), and `commit` puts it in place and drops those segments
   * (returning its size in bytes); until then the previous checkpoint stands.
   */
  async beginCheckpoint(segment: number): Promise<PendingCheckpoint> {
    const out = await AtomicFile.open(this.checkpointFile());
    await out.write(`{"version":1,"segment":${segment},"engine":`);
    return {
      writeEngine: (slice) => out.write(slice),
      commit: async () => {
        await out.write('}');
        const bytes = await out.commit();
        for (const number of await listSegments(this.directory)) {
          if (number < segment) await rm(join(this.directory, segmentName(number)), { force: true });
        }
        return bytes;
      },
      abort: () => out.abort(),
    };
  }

  async close(): Promise<void> {
    this.writableAgain();
    await this.appending;
    await this.file?.close();
    this.file = null;
  }

  /** Tries, every probeEveryMs, to write `bytes` to a file of its own beside the segments. */
  private probeUntilWritable(bytes: number): void {
    if (this.unwritable !== null) {
      this.unwritable.bytes = Math.max(this.unwritable.bytes, bytes);
      return;
    }
    const probe = setInterval(() => void this.probe(), probeEveryMs);
    probe.unref();
    this.unwritable = { bytes, probe };
  }

  private async probe(): Promise<void> {
    const bytes = this.unwritable?.bytes;
    if (bytes === undefined) return;
    const file = join(this.directory, 'write-probe');
    try {
      await writeFile(file, Buffer.alloc(bytes), { flush: true });
      this.writableAgain();
    } catch {
      // Still not: the next probe tries again.
    } finally {
      await rm(file, { force: true });
    }
  }

  private writableAgain(): void {
    if (this.unwritable === null) return;
    clearInterval(this.unwritable.probe);
    this.unwritable = null;
  }

  private checkpointFile(): string {
    return join(this.directory, 'checkpoint.json');
  }
}

const listSegments = (directory: string): Promise<number[]> => numberedFiles(directory, segmentPattern);
