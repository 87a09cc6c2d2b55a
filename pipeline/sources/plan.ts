import type { HttpJournal } from '../../ingest/http-journal.js';
import type { Source } from '../../ingest/source.js';

/** A source ready to be created, with the engine state its lane resumes from (a checkpoint), if any. */
export type SourcePlan = {
  engineSnapshot?: unknown;
  /** A journal its lane writes ahead and, on start, replays from `journalSegment` (HTTP ingest). */
  journal?: HttpJournal;
  journalSegment?: number;
  /** The source, told whether its lane's engine did resume from `engineSnapshot`. */
  create(engineResumed: boolean): Source;
};
