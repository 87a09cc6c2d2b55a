import type { Logger } from 'pino';
import type { DeadLetter } from '../schemas/dead-letter.js';
import type { Finding } from '../schemas/finding.js';
import type { Incident } from '../schemas/incident.js';
import type { DecodedRecord, DecodeSettings } from './decode.js';

/** Where a raw record came from: enough to find it again and to name it in a dead letter. */
export type RecordOrigin = {
  source: DeadLetter['source'];
  topic?: string;
  partition?: number;
  offset?: string;
  /** 1-based line in an HTTP body or a file. */
  line?: number;
};

/** A split stage's unit of state: one input partition (see pipeline/task-engines.ts). */
export function partitionTask(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

/** The partition a task name stands for (topic names cannot hold a slash). */
export function taskPartition(task: string): { topic: string; partition: number } {
  const slash = task.lastIndexOf('/');
  return { topic: task.slice(0, slash), partition: Number(task.slice(slash + 1)) };
}

/** The task of a record read from a partition; undefined for other sources. */
export function recordTask({ topic, partition }: RecordOrigin): string | undefined {
  return topic === undefined || partition === undefined ? undefined : partitionTask(topic, partition);
}

/** One record as a source read it: a line of an access log, a Kafka message value, an OTLP export. */
export type RawRecord = {
  raw: string;
  /** Format the source knows the record is in; absent means auto-detect per record. */
  format?: string;
  origin: RecordOrigin;
  /** The trace the record was logged in, as its envelope says (an OTLP log record's): for hops that name none. */
  traceId?: string;
};

export type RecordReject = { index: number; reason: string };

/** What became of one batch: `rejects[].index` points into the batch that was submitted. */
export type BatchOutcome = { accepted: number; events: number; rejects: RecordReject[] };

/**
 * The pipeline as a source sees it: one intake lane per source, with its own detection engine and
 * watermark, so that one source's backlog or checkpoints never hold up another's findings.
 *
 * `submit` resolves once the batch has been decoded, run through lineage and detectors and handed to
 * the sinks; it stays pending while a sink is full, so a source that awaits it before reading on gets
 * backpressure for free (HTTP: stop reading the body). Accepted is not yet durable: `durable()`
 * resolves once everything submitted before the call is in every sink, which is the moment a source
 * may acknowledge it.
 */
export interface Intake {
  /** How the records handed to `submit` are to be decoded. */
  readonly decoding: DecodeSettings;
  submit(records: readonly DecodedRecord[]): Promise<BatchOutcome>;
  durable(): Promise<void>;
  /** False while a sink refuses writes (the store is down, the disk full) or the lane's journal cannot be written: take nothing more in then. */
  accepting(): boolean;
}

/** What the engine concluded: findings and the incident versions they made, held and published together. */
export type Verdicts = { findings: Finding[]; incidents: Incident[] };

export function noVerdicts(): Verdicts {
  return { findings: [], incidents: [] };
}

/** `first`'s verdicts, then `then`'s. */
export function joinVerdicts(first: Verdicts, then: Verdicts): Verdicts {
  return {
    findings: first.findings.concat(then.findings),
    incidents: first.incidents.concat(then.incidents),
  };
}

export function verdictCount({ findings, incidents }: Verdicts): number {
  return findings.length + incidents.length;
}

/**
 * How a checkpointed lane's source keeps what moves the engine in order (Kafka: its order log), so that
 * a restart from a checkpoint can move it the same way again.
 */
export interface InputOrder {
  /** While true (a replay, a checkpoint being written) nothing but the source may move the engine. */
  readonly frozen: boolean;
  /** The engine is about to move its watermark without new records. */
  watermark(watermark: number): void;
  /** Resolves once every move recorded so far is on disk: what they raised may be published then. */
  durable(): Promise<void>;
}

/**
 * The lane of a source that replays from checkpoints (Kafka): the engine sees records synchronously
 * (`accept`), so that the source's offsets and the engine state always match, and in an order the
 * source records (`followInputOrder`); findings go to the sinks once that order is on disk.
 */
/** A split stage's state per partition task, which moves with its partition (see pipeline/task-engines.ts). */
export interface TaskStates {
  tasks(): string[];
  /** The task's state as JSON, in slices; the caller keeps the engine still until it resolves. */
  writeTask(task: string, write: (slice: string) => Promise<void>): Promise<void>;
  /** Replaces the task's state with a snapshot `writeTask` wrote; false when it cannot be read. */
  adopt(task: string, snapshot: unknown): boolean;
  /** A task of a partition now held, with nothing to adopt: it starts, before its first record. */
  hold(task: string): void;
  drop(task: string): void;
}

export interface CheckpointedIntake extends Intake {
  /** Present in a split pipeline's stages: their state is kept per partition. */
  readonly taskStates?: TaskStates;
  /** The engine has seen every record when this returns; its outputs wait for `forward()`. */
  accept(records: readonly DecodedRecord[]): BatchOutcome;
  /**
   * Hands waiting outputs to the sinks; pending while they are full, rejects while they are unavailable
   * (nothing is lost). `rows`: the hops and dead letters only, the findings and incidents wait for the
   * next forward of `all` (each of those waits for the order log on disk and the findings topic).
   */
  forward(parts?: ForwardedParts): Promise<void>;
  /** Records every later watermark move of the lane's own (the idle watermark) in `order`; undefined stops that. */
  followInputOrder(order: InputOrder | undefined): void;
  /** Moves the watermark as a replayed order log says. */
  advanceWatermark(watermark: number): void;
  /** The engine state as JSON, in slices; the caller keeps the engine still until it resolves. */
  writeSnapshot(write: (slice: string) => Promise<void>): Promise<void>;
  /** Writes verdicts of an earlier run to the sinks; publishing one twice is harmless (ids and versions deduplicate). */
  publish(verdicts: Verdicts): Promise<void>;
  /** Changes whenever a checkpoint would differ: events seen, watermark moved. */
  progress(): string;
}

/** What `CheckpointedIntake.forward` hands to the sinks. */
export type ForwardedParts = 'all' | 'rows';

/** What a source is given when it starts. */
export type SourceContext<Lane extends Intake = Intake> = {
  intake: Lane;
  logger: Logger;
} & SourceReports;

/** What sources report for /metrics. */
export type SourceReports = {
  /** Consumer lag per topic partition, in records. */
  reportLag(topic: string, partition: number, lag: number): void;
  /** The source failed and restarts (a consumer crash); `reason` names the kind of failure. */
  reportFailure(source: string, reason: string): void;
  /**
   * A record of `topic` held hops of several traces (an OTLP batch): its key cannot keep each trace in
   * one partition, so with more than one engine on the topic a trace may be judged in pieces.
   */
  reportSeveralTraces(topic: string): void;
};

/**
 * A source of raw records (HTTP ingest, Kafka, a file). Delivery guarantee and statefulness are
 * documented by each implementation.
 */
export interface Source<Lane extends Intake = Intake> {
  readonly name: string;
  start(context: SourceContext<Lane>): Promise<void>;
  /** Stops intake: no new record is submitted once this resolves; in-flight submits have settled. */
  stop(): Promise<void>;
  /** For /readyz: whether the source is taking records (a Kafka consumer that joined its group). */
  connected(): boolean;
}
