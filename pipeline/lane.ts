import { setImmediate } from 'node:timers/promises';
import type { Logger } from 'pino';
import { writeJsonInSlices } from '../common/json-slices.js';
import { SerialQueue } from '../common/serial.js';
import { type DecodedRecord, type DecodeSettings, decodeRecord, isWatermarkMark } from '../ingest/decode.js';
import type { HttpJournal } from '../ingest/http-journal.js';
import { redactRaw } from '../ingest/redact.js';
import {
  type BatchOutcome,
  type CheckpointedIntake,
  type ForwardedParts,
  type InputOrder,
  joinVerdicts,
  noVerdicts,
  type RawRecord,
  type RecordReject,
  recordTask,
  type TaskStates,
  type Verdicts,
  verdictCount,
} from '../ingest/source.js';
import type { DeadLetter } from '../schemas/dead-letter.js';
import type { ResolvedHop } from '../schemas/resolved-hop.js';
import type { EngineStats } from '../schemas/stats.js';
import type { EngineSink, LaneEngine } from './engine.js';
import { FindingHops, type FindingHopsLimits } from './hop-policy.js';
import type { Sink } from './sink.js';
import { TaskEngines } from './task-engines.js';

export type LaneDeps = {
  /** The engine pushes into the sink it is given; the lane owns that sink. */
  createEngine(sink: EngineSink): LaneEngine;
  sinks: Sink;
  /** Wall clock, epoch ms. */
  now(): number;
  logger: Logger;
  /**
   * Where a source without a log of its own (HTTP ingest) records what the engine sees, before it
   * sees it: replayed on start from the last checkpoint, so that nothing acknowledged is lost.
   */
  journal?: HttpJournal;
};

export type LaneOptions = {
  allowedLatenessMs: number;
  /** Input quiet for this long (wall time) lets processing time move the watermark. */
  idleAfterMs: number;
  /** How the sources of this lane decode what they hand it (and how its journal is replayed). */
  decoding: DecodeSettings;
  /** `store.hops: findings`: only the hops of traces a finding names leave the lane (see FindingHops). */
  findingHops?: FindingHopsLimits;
};

export type LaneCounters = {
  recordsReceived: number;
  eventsIngested: Record<string, number>;
  recordsRejected: number;
  findingsRaised: Record<string, number>;
};

type Rejection = { reason: string; format: string | undefined };

/** Well inside the detect stage's patience with a silent ingest task (upstreamIdleMs: 12 s at the least). */
const quietMarksAfterMs = 60_000;
const quietMarksEveryMs = 5_000;

function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

/**
 * One source's way through the pipeline: decoded records → detection engine → sinks (hops, findings,
 * dead letters). Each source has its own lane, engine and watermark. Submitting awaits the sinks'
 * bounded buffers, which is the backpressure every source relies on. The engine is synchronous, so
 * concurrent submits never interleave inside it.
 */
export class Lane implements CheckpointedIntake {
  private readonly engine: LaneEngine;
  private hops: ResolvedHop[] = [];
  private verdicts: Verdicts = noVerdicts();
  private deadLetters: DeadLetter[] = [];
  private inputOrder: InputOrder | undefined;
  private readonly findingHops: FindingHops | undefined;
  readonly counters: LaneCounters = {
    recordsReceived: 0,
    eventsIngested: {},
    recordsRejected: 0,
    findingsRaised: {},
  };
  private lastEventTs: number | null = null;
  private lastInputWall = 0;
  private lastMarksAt = 0;
  /** Journal appends and the engine steps they record happen one after the other (see `checkpoint`). */
  private readonly journaling = new SerialQueue();
  private checkpointedProgress: string | undefined;
  /**
   * One checkpoint at a time: two overlapping ones (the periodic one and shutdown's) would write the
   * same temporary file, and an older one committed after a newer one would point at dropped segments.
   */
  private readonly checkpointing = new SerialQueue();
  private checkpointBytes = 0;

  /** A split stage's engines, one per partition task. */
  get taskStates(): TaskStates | undefined {
    return this.engine instanceof TaskEngines ? this.engine : undefined;
  }

  get decoding(): DecodeSettings {
    return this.options.decoding;
  }

  constructor(
    private readonly deps: LaneDeps,
    private readonly options: LaneOptions,
  ) {
    const findingHops = options.findingHops && new FindingHops(options.findingHops);
    this.findingHops = findingHops;
    this.engine = deps.createEngine({
      hop: (hop) => {
        if (findingHops === undefined || findingHops.admit(hop)) this.hops.push(hop);
      },
      finding: (finding) => {
        if (findingHops !== undefined) for (const hop of findingHops.release(finding)) this.hops.push(hop);
        this.verdicts.findings.push(finding);
        bump(this.counters.findingsRaised, finding.detector);
      },
      incident: (incident) => {
        this.verdicts.incidents.push(incident);
      },
      ...(findingHops && { settled: (watermark: number) => findingHops.expire(watermark) }),
    });
  }

  async submit(records: readonly DecodedRecord[]): Promise<BatchOutcome> {
    const { journal } = this.deps;
    const outcome =
      journal === undefined
        ? this.accept(records)
        : await this.journaling.run(async () => {
            const receivedAt = this.deps.now();
            await journal.append({
              kind: 'records',
              receivedAt,
              records: records.map(({ record }) => record),
            });
            return this.accept(records);
          });
    await this.forward();
    // Decoding and detection are synchronous; one macrotask turn per batch lets queries and health checks in.
    await setImmediate();
    return outcome;
  }

  accept(records: readonly DecodedRecord[]): BatchOutcome {
    const receivedAt = this.deps.now();
    const rejects: RecordReject[] = [];
    let accepted = 0;
    let events = 0;
    for (let index = 0; index < records.length; index++) {
      const entry = records[index]!;
      const { record, decoded } = entry;
      if (!isWatermarkMark(entry)) this.counters.recordsReceived++;
      const observed = this.observeRecord(record, decoded);
      if (typeof observed === 'number') {
        accepted += 1;
        events += observed;
        continue;
      }
      rejects.push({ index, reason: observed.reason });
      this.deadLetters.push(deadLetter(record, observed, receivedAt));
      this.counters.recordsRejected++;
    }
    this.lastInputWall = this.deps.now();
    return { accepted, events, rejects };
  }

  /** Feeds a decoded record's events to the engine: the number of events, or why the record was rejected. */
  private observeRecord(record: RawRecord, decoded: DecodedRecord['decoded']): number | Rejection {
    if (!decoded.ok) return { reason: decoded.reason, format: decoded.format ?? record.format };
    bump(this.counters.eventsIngested, decoded.format, decoded.events.length);
    const task = recordTask(record.origin);
    if (decoded.upstream !== undefined) this.engine.observeUpstream(decoded.upstream, task);
    for (const event of decoded.events) {
      try {
        this.engine.observe(event, task);
      } catch (error) {
        this.deps.logger.error({ err: error, hopId: event.id }, 'detection engine failed on a hop');
        return {
          reason: 'the detection engine failed on this record (see the hopwatch log)',
          format: decoded.format,
        };
      }
      if (this.lastEventTs === null || event.ts > this.lastEventTs) this.lastEventTs = event.ts;
    }
    return decoded.events.length;
  }

  async forward(parts: ForwardedParts = 'all'): Promise<void> {
    const { hops, deadLetters } = this;
    const verdicts = parts === 'all' ? this.verdicts : noVerdicts();
    this.hops = [];
    if (parts === 'all') this.verdicts = noVerdicts();
    this.deadLetters = [];
    if (this.inputOrder !== undefined && verdictCount(verdicts) > 0) {
      try {
        await this.inputOrder.durable();
      } catch (error) {
        this.hops = hops.concat(this.hops);
        this.verdicts = joinVerdicts(verdicts, this.verdicts);
        this.deadLetters = deadLetters.concat(this.deadLetters);
        throw error;
      }
    }
    // A batch the sinks refuse waits in the sink set and goes first next time.
    await this.deps.sinks.write({ hops, ...verdicts, deadLetters });
  }

  async durable(): Promise<void> {
    await this.forward();
    await this.deps.sinks.flush();
  }

  accepting(): boolean {
    return this.deps.sinks.stats().available && (this.deps.journal?.writable ?? true);
  }

  followInputOrder(order: InputOrder | undefined): void {
    this.inputOrder = order;
  }

  advanceWatermark(watermark: number): void {
    this.engine.advanceWatermark(watermark);
  }

  writeSnapshot(write: (slice: string) => Promise<void>): Promise<void> {
    return writeJsonInSlices(this.engine.snapshot(), write);
  }

  async publish(verdicts: Verdicts): Promise<void> {
    await this.deps.sinks.write(verdicts);
  }

  progress(): string {
    const { eventsObserved, watermark } = this.engine.stats();
    return `${eventsObserved}|${watermark}`;
  }

  /**
   * With no input for `idleAfterMs`, event time is assumed to keep pace with wall time since the last
   * input, so windows close in a quiet live system:
   * watermark = lastEventTs + (wallNow − lastInputWall) − allowedLatenessMs.
   * The lateness allowance still applies, so a record delayed in transit is not made late by the quiet.
   */
  async advanceIdle(): Promise<void> {
    if (this.lastEventTs === null || this.inputOrder?.frozen === true) return;
    const quietMs = this.deps.now() - this.lastInputWall;
    if (quietMs < this.options.idleAfterMs) return;
    const watermark = this.lastEventTs + quietMs - this.options.allowedLatenessMs;
    const current = this.engine.stats().watermark;
    if (current !== null && watermark <= current) return;
    const { journal } = this.deps;
    if (journal === undefined) {
      this.inputOrder?.watermark(watermark);
      this.engine.advanceWatermark(watermark);
    } else
      await this.journaling.run(async () => {
        await journal.append({ kind: 'watermark', watermark });
        this.engine.advanceWatermark(watermark);
      });
    await this.forward();
  }

  /**
   * An ingest stage's watermark marks (each task's), after the hops resolved before them: on the hops
   * topic they tell the detect stage how far every task has got, hops or not (see UpstreamWatermarks).
   * Called each second; a lane without input for a minute marks every few seconds only.
   */
  async publishWatermarks(): Promise<void> {
    const now = this.deps.now();
    if (now - this.lastInputWall > quietMarksAfterMs && now - this.lastMarksAt < quietMarksEveryMs) return;
    const watermarks = this.engine.upstreamMarks();
    if (watermarks.length === 0) return;
    this.lastMarksAt = now;
    await this.forward();
    await this.deps.sinks.write({ watermarks });
  }

  /**
   * Journaled lanes: a new journal segment and the engine state that holds every entry before it,
   * taken together; once everything the engine produced is durable in the sinks, the older segments
   * are dropped. A crash in between replays a little more, deduplicated by finding and hop ids.
   */
  checkpoint(force = false): Promise<void> {
    return this.checkpointing.run(() => this.checkpointNow(force));
  }

  private async checkpointNow(force: boolean): Promise<void> {
    const { journal } = this.deps;
    if (journal === undefined) return;
    if (!force && !this.checkpointDue(journal)) return;
    // Under the journal's queue nothing changes the engine, so its state can be written out in slices,
    // straight to the file (health checks and queries go on meanwhile; requests wait for their turn).
    const taken = await this.journaling.run(async () => {
      const progress = this.progress();
      const pending = await journal.beginCheckpoint(await journal.rotate());
      try {
        await writeJsonInSlices(this.engine.snapshot(), pending.writeEngine);
      } catch (error) {
        await pending.abort();
        throw error;
      }
      return { progress, pending };
    });
    try {
      await this.durable();
    } catch (error) {
      await taken.pending.abort();
      throw error;
    }
    this.checkpointBytes = await taken.pending.commit();
    this.checkpointedProgress = taken.progress;
  }

  /**
   * A checkpoint costs in proportion to the engine state, a replay in proportion to the journal: a
   * new one is taken once the journal since the last has grown as large as that checkpoint, so that
   * writing checkpoints never costs more than the journal itself, and a restart replays no more.
   */
  private checkpointDue(journal: HttpJournal): boolean {
    if (this.progress() === this.checkpointedProgress) return false;
    return journal.bytesSinceRotation >= this.checkpointBytes;
  }

  /** Replays the journal from `segment` (start-up, before the source takes anything): what the engine saw before the crash. */
  async replay(segment: number): Promise<number> {
    const { journal, logger } = this.deps;
    if (journal === undefined) return 0;
    let records = 0;
    for await (const entry of journal.entries(segment)) {
      if (entry.kind === 'watermark') {
        this.engine.advanceWatermark(entry.watermark);
        continue;
      }
      const { decoding } = this.options;
      this.accept(entry.records.map((record) => decodeRecord(record, entry.receivedAt, logger, decoding)));
      records += entry.records.length;
      await this.forward();
    }
    await this.durable();
    return records;
  }

  /**
   * Shutdown, after the source stopped (and took its last checkpoint): every open window is closed and
   * judged on what it saw (a replay of the same traffic yields the same finding ids, so nothing
   * duplicates), waiting hops are resolved, and everything is made durable.
   */
  async drain(): Promise<void> {
    this.engine.flush();
    await this.durable();
    // The drained state (every window closed) is what a restart resumes from, even when no event came since.
    await this.checkpoint(true);
  }

  /** Hops not handed to the sinks under `store.hops: findings`: no finding named their trace in time. */
  get hopsNotStored(): number {
    return this.findingHops?.dropped ?? 0;
  }

  engineStats(): EngineStats {
    return this.engine.stats();
  }
}

function deadLetter(record: RawRecord, rejection: Rejection, receivedAt: number): DeadLetter {
  const { origin } = record;
  return {
    receivedAt,
    reason: rejection.reason,
    // The store writer bounds its size (and records the original one).
    raw: redactRaw(record.raw),
    format: rejection.format,
    source: origin.source,
    topic: origin.topic,
    partition: origin.partition,
    offset: origin.offset,
    line: origin.line,
  };
}
