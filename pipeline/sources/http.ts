import { z } from 'zod';
import { HttpJournal } from '../../ingest/http-journal.js';
import { HttpIngestSource } from '../../ingest/http-source.js';
import type { Component } from '../component.js';
import type { SourcePlan } from './plan.js';

export const httpConfigSchema = z
  .object({
    /** On shutdown, how long requests already streaming may finish before the rest of their body is refused. */
    drainMs: z.number().int().nonnegative().default(10_000),
    /** Ingest requests read at once; one more is answered 503 with Retry-After before its body is read. */
    maxConcurrentRequests: z.number().int().positive().default(16),
  })
  .strict();

/** POST /v1/ingest (the route lives in api/; this is its way into the pipeline). */
export const httpSource: Component<'source', 'http', typeof httpConfigSchema, SourcePlan> = {
  kind: 'source',
  name: 'http',
  configSchema: httpConfigSchema,
  async build(limits, { dataDir }) {
    const journal = await HttpJournal.open(dataDir);
    const checkpoint = await journal.checkpoint();
    return {
      ok: true,
      built: {
        journal,
        engineSnapshot: checkpoint?.engine,
        journalSegment: checkpoint?.segment ?? 0,
        create: () => new HttpIngestSource(limits),
      },
    };
  },
};
