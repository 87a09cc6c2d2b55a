import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { findingSchema } from '../../schemas/finding.js';
import type { StoreReader } from '../../store/types.js';
import { apiErrorSchema, sendError } from '../errors.js';
import { findingPageSchema, findingsQuerySchema, idParamsSchema } from '../schemas.js';
import { secured } from './security.js';

export type FindingsRoutesOptions = { reader: StoreReader };

/** GET /findings (filtered, cursor-paginated) and GET /findings/:id (with evidence). */
export const findingsRoutes: FastifyPluginAsyncZod<FindingsRoutesOptions> = async (app, { reader }) => {
  app.get(
    '/findings',
    {
      config: { scope: 'read' },
      schema: {
        ...secured('read'),
        tags: ['findings'],
        summary: 'List findings, newest first',
        querystring: findingsQuerySchema,
        response: { 200: findingPageSchema, 400: apiErrorSchema },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      return reader.listFindings(filter, limit, cursor ?? null);
    },
  );

  app.get(
    '/findings/:id',
    {
      config: { scope: 'read' },
      schema: {
        ...secured('read'),
        tags: ['findings'],
        summary: 'One finding with its evidence',
        params: idParamsSchema,
        response: { 200: findingSchema, 404: apiErrorSchema },
      },
    },
    async (request, reply) => {
      const finding = await reader.getFinding(request.params.id);
      if (finding === null) return sendError(reply, 404, 'no finding with this id');
      return finding;
    },
  );
};
