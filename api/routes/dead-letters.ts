import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { StoreReader } from '../../store/types.js';
import { apiErrorSchema } from '../errors.js';
import { deadLetterPageSchema, deadLettersQuerySchema } from '../schemas.js';
import { secured } from './security.js';

export type DeadLettersRoutesOptions = { reader: StoreReader };

/** GET /dead-letters: the records hopwatch could not read, why, and where they came from. */
export const deadLettersRoutes: FastifyPluginAsyncZod<DeadLettersRoutesOptions> = async (app, { reader }) => {
  app.get(
    '/dead-letters',
    {
      config: { scope: 'read' },
      schema: {
        ...secured('read'),
        tags: ['ingest'],
        summary: 'List the records that could not be read, with the reason, newest first',
        querystring: deadLettersQuerySchema,
        response: { 200: deadLetterPageSchema, 400: apiErrorSchema },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      return reader.listDeadLetters(filter, limit, cursor ?? null);
    },
  );
};
