import type { HttpJournal } from '../../ingest/http-journal.js';
import type { Source } from '../../ingest/source.js';
import type { EngineStage } from '../engine.js';
import type { Sink, SinkBatch } from '../sink.js';

/**
 * Where a lane's outputs go when some take a Kafka topic (the findings topic, so that copies raised by
 * two instances meet; the hops topic of a split pipeline): `producers` take the parts they carry, the
 * pipeline's sinks get only the parts `passOn` names.
 */
export type LaneRoute = { producers: Sink[]; passOn: ReadonlyArray<keyof SinkBatch> };

/** A source ready to be created, with the engine state its lane resumes from (a checkpoint), if any. */
export type SourcePlan = {
  engineSnapshot?: unknown;
  /** A journal its lane writes ahead and, on start, replays from `journalSegment` (HTTP ingest). */
  journal?: HttpJournal;
  journalSegment?: number;
  /** Absent: everything goes to the pipeline's sinks. */
  route?: LaneRoute;
  /** The part of the engine its lane runs in a split pipeline; absent: all of it. */
  engineStage?: EngineStage;
  /** Detect stage: the ingest tasks (input partitions) whose watermarks it waits for from the start. */
  upstreamTasks?: readonly string[];
  /** The source, told whether its lane's engine did resume from `engineSnapshot`. */
  create(engineResumed: boolean): Source;
};
