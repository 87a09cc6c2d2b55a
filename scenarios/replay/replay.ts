import type { Pacer, Speed } from './pacer.js';
import type { ReplayProgress } from './progress.js';
import { rebaseRecord } from './rebase.js';
import { countRecords, fileSpan, type ReplayRecord, readReplayRecords } from './records.js';

/** Where replayed records go: a Kafka topic or the in-process pipeline. */
export interface ReplayTarget {
  readonly description: string;
  send(records: readonly ReplayRecord[]): Promise<void>;
  /** Resolves with what the target has to say once everything is delivered (nothing, mostly). */
  close(): Promise<string[]>;
}

export type ReplayOptions = {
  speed: Speed;
  /**
   * Move event times to the present, each file keeping its own timing: the files are laid end to end
   * on one timeline that starts now when paced, and ends now at `max` (recent history, nothing in the
   * future, no file late behind the one before it).
   */
  rebaseTime: boolean;
  pacer: Pacer;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  progress?: ReplayProgress;
  /** Records per send at most. */
  batchSize?: number;
};

export type ReplaySummary = {
  files: number;
  records: number;
  /** Records with no readable event time: sent without pacing or rebasing. */
  untimed: number;
  /** Records `--rebase-time` could not rewrite (a format whose time fields it does not know). */
  notRebased: number;
  wallMs: number;
};

// Gaps shorter than this are not slept: the record joins the batch being built.
const minSleepMs = 5;

/**
 * Sends the files' records to the target, one file after another, each file on its own timeline:
 * gaps between event times are kept, divided by the speed (none at `max`).
 */
export async function replayFiles(
  files: readonly string[],
  target: ReplayTarget,
  options: ReplayOptions,
): Promise<ReplaySummary> {
  const started = options.now();
  const summary: ReplaySummary = { files: files.length, records: 0, untimed: 0, notRebased: 0, wallMs: 0 };
  let total = 0;
  for (const file of files) total += await countRecords(file);
  const offsets = options.rebaseTime ? await rebaseOffsets(files, options) : new Map<string, number>();
  options.progress?.start(total);
  for (const file of files) await replayFile(file, target, options, summary, offsets.get(file));
  options.progress?.stop();
  summary.wallMs = options.now() - started;
  return summary;
}

/** Per file, how far `--rebase-time` moves its event times (see `rebaseTime`). */
async function rebaseOffsets(files: readonly string[], options: ReplayOptions): Promise<Map<string, number>> {
  const spans = await Promise.all(files.map(async (file) => ({ file, span: await fileSpan(file) })));
  let length = 0;
  for (const { span } of spans) if (span !== undefined) length += span.last - span.first + 1;
  let cursor = options.speed === 'max' ? options.now() - Math.max(0, length - 1) : options.now();
  const offsets = new Map<string, number>();
  for (const { file, span } of spans) {
    if (span === undefined) continue;
    offsets.set(file, cursor - span.first);
    cursor += span.last - span.first + 1;
  }
  return offsets;
}

async function replayFile(
  file: string,
  target: ReplayTarget,
  options: ReplayOptions,
  summary: ReplaySummary,
  offsetMs: number | undefined,
) {
  const batchSize = options.batchSize ?? 500;
  let batch: ReplayRecord[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const sending = batch;
    batch = [];
    await target.send(sending);
    summary.records += sending.length;
    options.progress?.advance(sending.filter((record) => record.part === undefined).length, file);
  };
  options.pacer.reset();
  for await (const record of readReplayRecords(file)) {
    const delay = options.pacer.delayFor(record.ts);
    if (delay >= minSleepMs) {
      await flush();
      await options.sleep(delay);
    }
    if (record.ts === undefined) summary.untimed += 1;
    else if (offsetMs !== undefined) {
      const rebased = rebaseRecord(record.raw, record.format, offsetMs);
      if (rebased === undefined) summary.notRebased += 1;
      else record.raw = rebased;
    }
    batch.push(record);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
}
