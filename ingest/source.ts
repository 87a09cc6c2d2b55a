import type { Logger } from 'pino';
import type { DeadLetter } from '../schemas/dead-letter.js';

/** Where a raw record came from: enough to find it again and to name it in a dead letter. */
export type RecordOrigin = {
  source: DeadLetter['source'];
  topic?: string;
  partition?: number;
  offset?: string;
  /** 1-based line in an HTTP body or a file. */
  line?: number;
};

/** One record as a source read it: a line of an access log, a Kafka message value, an OTLP export. */
export type RawRecord = {
  raw: string;
  /** Format the source knows the record is in; absent means auto-detect per record. */
  format?: string;
  origin: RecordOrigin;
};

export type RecordReject = { index: number; reason: string };

/** What became of one batch: `rejects[].index` points into the batch that was submitted. */
export type BatchOutcome = { accepted: number; events: number; rejects: RecordReject[] };

/**
 * The pipeline as a source sees it.
 *
 * `submit` resolves once the batch has been decoded, run through lineage and detectors and handed to
 * the store writer's bounded buffer; it stays pending while that buffer is full, so a source that
 * awaits it before reading on gets backpressure for free (Kafka: pause the partition; HTTP: stop
 * reading the body). Accepted is not yet durable: `durable()` resolves once everything submitted
 * before the call is in the store, which is the moment a source may acknowledge it (commit offsets).
 */
export interface IngestSink {
  submit(records: RawRecord[]): Promise<BatchOutcome>;
  durable(): Promise<void>;
}

/** What a source is given when it starts. */
export type SourceContext = {
  sink: IngestSink;
  logger: Logger;
  /** Consumer lag per topic partition, in records; shown on /metrics. */
  reportLag(topic: string, partition: number, lag: number): void;
};

/**
 * A source of raw records (HTTP ingest, Kafka, a file). Delivery guarantee and statefulness are
 * documented by each implementation.
 */
export interface Source {
  readonly name: string;
  start(context: SourceContext): Promise<void>;
  /** Stops intake: no new record is submitted once this resolves; in-flight submits have settled. */
  stop(): Promise<void>;
  /** For /readyz: whether the source is taking records (a Kafka consumer that joined its group). */
  connected(): boolean;
}
