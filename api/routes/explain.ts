import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findingSchema } from '../../schemas/finding.js';
import { apiErrorSchema, sendError } from '../errors.js';
import { secured } from './security.js';

/** Explains records[index], the other records being its context (the pipeline's `explainRecord`). */
export type ExplainRecord = (
  records: string[],
  index: number,
  format: string,
) => { ok: true; explanation: unknown } | { ok: false; reason: string };

const recordSchema = z.union([z.string().min(1), z.record(z.string(), z.unknown())]);

const explainBodySchema = z.object({
  record: recordSchema.describe('the record to explain: a log line, or a JSON record as an object'),
  context: z
    .array(recordSchema)
    .max(10_000)
    .default([])
    .describe(
      'other records of its traffic (its trace), run through the pipeline with it in event-time order',
    ),
  format: z.string().default('auto').describe('the record format, or auto'),
});

const explanationSchema = z.object({
  format: z.object({ name: z.string(), chosen: z.enum(['detected', 'given']), why: z.string() }),
  hops: z
    .array(z.record(z.string(), z.unknown()))
    .describe('per hop of the record: fieldsRead, identity, lineage, detectors'),
  findings: z.array(findingSchema),
});

const asLine = (record: z.infer<typeof recordSchema>) =>
  typeof record === 'string' ? record : JSON.stringify(record);

/** POST /explain (admin: it reads any traffic it is given and shows how hopwatch judges it). */
export const explainRoutes: FastifyPluginAsyncZod<{ explain: ExplainRecord }> = async (app, { explain }) => {
  app.post(
    '/explain',
    {
      config: { scope: 'admin' },
      schema: {
        ...secured('admin'),
        tags: ['explain'],
        summary:
          'How one record is read and judged: format, fields, identity, parent and origin, what each detector counted',
        body: explainBodySchema,
        response: { 200: explanationSchema, 400: apiErrorSchema },
      },
    },
    async (request, reply) => {
      const { record, context, format } = request.body;
      const result = explain([...context.map(asLine), asLine(record)], context.length, format);
      if (!result.ok) return sendError(reply, 400, `body record: ${result.reason}`);
      return result.explanation as z.infer<typeof explanationSchema>;
    },
  );
};
