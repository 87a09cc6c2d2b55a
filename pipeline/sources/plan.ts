import type { FindingsConsumer } from '../../ingest/findings-consumer.js';
import type { HttpJournal } from '../../ingest/http-journal.js';
import type { Source } from '../../ingest/source.js';
import type { Sink } from '../sink.js';

/**
 * How a lane's findings and incidents reach the sinks the long way (Kafka: through the findings topic,
 * so that copies raised by two instances meet): `producer` takes them from the lane, `consumer` hands
 * what it reads to the pipeline's sinks.
 */
export type VerdictsRoute = { producer: Sink; consumer: FindingsConsumer };

/** A source ready to be created, with the engine state its lane resumes from (a checkpoint), if any. */
export type SourcePlan = {
  engineSnapshot?: unknown;
  /** A journal its lane writes ahead and, on start, replays from `journalSegment` (HTTP ingest). */
  journal?: HttpJournal;
  journalSegment?: number;
  verdictsRoute?: VerdictsRoute;
  /** The source, told whether its lane's engine did resume from `engineSnapshot`. */
  create(engineResumed: boolean): Source;
};
