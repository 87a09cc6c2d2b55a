import { setImmediate } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { DetectionEngine, EngineSink, EngineStats } from '../detectors/types.js';
import type { DeadLetter } from '../schemas/dead-letter.js';
import type { Finding } from '../schemas/finding.js';
import type { ResolvedHop } from '../schemas/resolved-hop.js';
import type { StoreWriter } from '../store/types.js';
import { type NormalizeResult, normalizeRecord } from './normalize.js';
import { redactRaw } from './redact.js';
import type { BatchOutcome, IngestSink, RawRecord, RecordReject } from './source.js';

/** Where findings go besides the store (the webhook dispatcher). */
export interface FindingAlerts {
  enqueue(findings: Finding[]): unknown;
}

export type PipelineDeps = {
  /** The engine pushes into the sink it is given; the pipeline owns that sink. */
  createEngine(sink: EngineSink): DetectionEngine;
  writer: StoreWriter;
  alerts: FindingAlerts;
  /** Wall clock, epoch ms. */
  now(): number;
  logger: Logger;
  onStoreWrite?(seconds: number): void;
};

export type PipelineOptions = {
  allowedLatenessMs: number;
  /** Input quiet for this long (wall time) lets processing time move the watermark. */
  idleAfterMs: number;
  idleTickMs: number;
  /**
   * Findings wait in the pipeline until `takeCheckpoint()` hands them out, instead of going to the store
   * and alerts with the hops: a source that replays from checkpoints (Kafka) publishes a finding only
   * once the checkpoint that covers it is on disk, so a replay after a crash cannot publish it twice.
   */
  holdFindings?: boolean;
};

export const defaultPipelineOptions = { idleAfterMs: 5_000, idleTickMs: 1_000 } as const;

export type PipelineStats = {
  recordsReceived: Record<string, number>;
  eventsIngested: Record<string, number>;
  recordsRejected: Record<string, number>;
  findingsRaised: Record<string, number>;
  engine: EngineStats;
  storePendingRows: number;
};

type Rejection = { reason: string; format: string | undefined };

/** A record decoded but not yet seen by the engine. */
export type PreparedRecord = { record: RawRecord; decoded: NormalizeResult };

/** The earliest event time of a prepared record; a record that failed to decode sorts first. */
export function eventTimeOf({ decoded }: PreparedRecord): number {
  if (!decoded.ok) return Number.NEGATIVE_INFINITY;
  let earliest = Number.POSITIVE_INFINITY;
  for (const event of decoded.events) if (event.ts < earliest) earliest = event.ts;
  return earliest === Number.POSITIVE_INFINITY ? Number.NEGATIVE_INFINITY : earliest;
}

function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

/**
 * Raw records → normalizeRecord → detection engine → store writer (hops, findings, dead letters) and
 * alerts (findings). Submitting awaits the store writer's bounded buffer, which is the backpressure
 * every source relies on. The engine is synchronous, so concurrent submits never interleave inside it.
 */
export class Pipeline implements IngestSink {
  private readonly engine: DetectionEngine;
  private hops: ResolvedHop[] = [];
  private findings: Finding[] = [];
  private deadLetters: DeadLetter[] = [];
  private heldFindings: Finding[] = [];
  private holding: boolean;
  private readonly counters = {
    recordsReceived: {} as Record<string, number>,
    eventsIngested: {} as Record<string, number>,
    recordsRejected: {} as Record<string, number>,
    findingsRaised: {} as Record<string, number>,
  };
  private lastEventTs: number | null = null;
  private lastInputWall = 0;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: PipelineDeps,
    private readonly options: PipelineOptions,
  ) {
    this.holding = options.holdFindings ?? false;
    const sink: EngineSink = {
      hop: (hop) => {
        this.hops.push(hop);
      },
      finding: (finding) => {
        (this.holding ? this.heldFindings : this.findings).push(finding);
        bump(this.counters.findingsRaised, finding.detector);
      },
    };
    this.engine = deps.createEngine(sink);
  }

  async submit(records: RawRecord[]): Promise<BatchOutcome> {
    const outcome = this.accept(records);
    await this.forward();
    // Decoding and detection are synchronous; one macrotask turn per batch lets queries and health checks in.
    await setImmediate();
    return outcome;
  }

  /**
   * The synchronous half of `submit`: when it returns, the engine has seen every record of the batch
   * and its outputs wait in the pipeline for `forward()` (a source that tracks offsets relies on that).
   */
  accept(records: RawRecord[]): BatchOutcome {
    const receivedAt = this.deps.now();
    return this.acceptPrepared(
      records.map((record) => this.prepare(record, receivedAt)),
      receivedAt,
    );
  }

  /** Decodes a record without showing it to the engine, for a source that orders records by event time first. */
  prepare(record: RawRecord, receivedAt = this.deps.now()): PreparedRecord {
    return { record, decoded: this.decode(record, receivedAt) };
  }

  /** `accept` for records `prepare` decoded; `rejects[].index` points into `prepared`. */
  acceptPrepared(prepared: readonly PreparedRecord[], receivedAt = this.deps.now()): BatchOutcome {
    const rejects: RecordReject[] = [];
    let accepted = 0;
    let events = 0;
    for (let index = 0; index < prepared.length; index++) {
      const { record, decoded } = prepared[index]!;
      bump(this.counters.recordsReceived, record.origin.source);
      const observed = this.observeRecord(record, decoded);
      if (typeof observed === 'number') {
        accepted += 1;
        events += observed;
        continue;
      }
      rejects.push({ index, reason: observed.reason });
      this.deadLetters.push(this.deadLetter(record, observed, receivedAt));
      bump(this.counters.recordsRejected, record.origin.source);
    }
    this.lastInputWall = this.deps.now();
    return { accepted, events, rejects };
  }

  /** Feeds a decoded record's events to the engine: the number of events, or why the record was rejected. */
  private observeRecord(record: RawRecord, decoded: NormalizeResult): number | Rejection {
    if (!decoded.ok) return { reason: decoded.reason, format: decoded.format ?? record.format };
    bump(this.counters.eventsIngested, decoded.format, decoded.events.length);
    for (const event of decoded.events) {
      try {
        this.engine.observe(event);
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

  /**
   * normalizeRecord never throws on input; if a bug makes it throw anyway, the record becomes a dead
   * letter and the rest of the batch goes on. The reason stays generic: an exception may quote input.
   */
  private decode(record: RawRecord, receivedAt: number): NormalizeResult {
    const { origin } = record;
    try {
      return normalizeRecord(record.raw, {
        format: record.format,
        origin: { topic: origin.topic, partition: origin.partition, offset: origin.offset },
        now: receivedAt,
      });
    } catch (error) {
      this.deps.logger.error({ err: error, format: record.format }, 'decoding a record failed');
      return {
        ok: false,
        reason: 'decoding failed on this record (see the hopwatch log)',
        format: record.format,
      };
    }
  }

  private deadLetter(record: RawRecord, rejection: Rejection, receivedAt: number): DeadLetter {
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

  /**
   * Hands what the engine produced (and the dead letters) to the store writer's bounded buffer and the
   * alerts; waits while the buffer is full. On failure everything stays in the pipeline for the next call.
   */
  async forward(): Promise<void> {
    const { hops, findings, deadLetters } = this;
    if (hops.length === 0 && findings.length === 0 && deadLetters.length === 0) return;
    this.hops = [];
    this.findings = [];
    this.deadLetters = [];
    const started = performance.now();
    try {
      await this.deps.writer.write({ hops, findings, deadLetters });
    } catch (error) {
      // Keep what the engine produced for the next write; the caller sees the failure (HTTP 503, Kafka pause).
      this.hops = hops.concat(this.hops);
      this.findings = findings.concat(this.findings);
      this.deadLetters = deadLetters.concat(this.deadLetters);
      throw error;
    }
    this.deps.onStoreWrite?.((performance.now() - started) / 1000);
    if (findings.length > 0) await this.deps.alerts.enqueue(findings);
  }

  async durable(): Promise<void> {
    await this.forward();
    await this.deps.writer.flush();
  }

  /**
   * The engine state and the findings held since the previous call, taken in one synchronous step, so
   * that they match each other and every record `accept` has seen (holdFindings mode).
   */
  takeCheckpoint(): { engine: unknown; findings: Finding[] } {
    const findings = this.heldFindings;
    this.heldFindings = [];
    return { engine: this.engine.snapshot(), findings };
  }

  /** Writes checkpointed findings to the store and alerts; publishing one twice is harmless (ids deduplicate). */
  async publish(findings: Finding[]): Promise<void> {
    if (findings.length === 0) return;
    await this.deps.writer.write({ findings });
    await this.deps.alerts.enqueue(findings);
  }

  /** Ends holdFindings mode (the checkpointing source has stopped): held and future findings go out directly. */
  releaseFindings(): void {
    this.holding = false;
    this.findings = this.findings.concat(this.heldFindings);
    this.heldFindings = [];
  }

  /**
   * With no input for `idleAfterMs`, event time is assumed to keep pace with wall time since the last
   * input, so windows close in a quiet live system:
   * watermark = lastEventTs + (wallNow − lastInputWall) − allowedLatenessMs.
   * The lateness allowance still applies, so a record delayed in transit is not made late by the quiet.
   */
  async advanceIdle(): Promise<void> {
    if (this.lastEventTs === null) return;
    const quietMs = this.deps.now() - this.lastInputWall;
    if (quietMs < this.options.idleAfterMs) return;
    const watermark = this.lastEventTs + quietMs - this.options.allowedLatenessMs;
    const current = this.engine.stats().watermark;
    if (current !== null && watermark <= current) return;
    this.engine.advanceWatermark(watermark);
    await this.forward();
  }

  startIdleTimer(): void {
    if (this.idleTimer !== null) return;
    this.idleTimer = setInterval(() => {
      this.advanceIdle().catch((error: unknown) =>
        this.deps.logger.warn({ err: error }, 'could not write what the idle watermark closed; retrying'),
      );
    }, this.options.idleTickMs);
    this.idleTimer.unref();
  }

  /**
   * Shutdown, after the sources stopped: every open window is closed and judged on what it saw (no
   * finding is lost with the process; a replay of the same traffic yields the same finding ids, so
   * nothing duplicates), waiting hops are resolved, and everything is made durable.
   */
  async drain(): Promise<void> {
    if (this.idleTimer !== null) clearInterval(this.idleTimer);
    this.idleTimer = null;
    this.engine.flush();
    await this.durable();
  }

  stats(): PipelineStats {
    return {
      ...this.counters,
      engine: this.engine.stats(),
      storePendingRows: this.deps.writer.pending(),
    };
  }
}
