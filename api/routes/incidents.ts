import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { StoreReader } from '../../store/types.js';
import { apiErrorSchema, sendError } from '../errors.js';
import {
  idParamsSchema,
  incidentDetailQuerySchema,
  incidentDetailSchema,
  incidentPageSchema,
  incidentsQuerySchema,
} from '../schemas.js';
import { secured } from './security.js';

export type IncidentsRoutesOptions = { reader: StoreReader };

/** GET /incidents (as they stand, filtered, cursor-paginated) and GET /incidents/:id (timeline and findings). */
export const incidentsRoutes: FastifyPluginAsyncZod<IncidentsRoutesOptions> = async (app, { reader }) => {
  app.get(
    '/incidents',
    {
      config: { scope: 'read' },
      schema: {
        ...secured('read'),
        tags: ['incidents'],
        summary: 'List incidents, latest activity first',
        querystring: incidentsQuerySchema,
        response: { 200: incidentPageSchema, 400: apiErrorSchema },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      return reader.listIncidents(filter, limit, cursor ?? null);
    },
  );

  app.get(
    '/incidents/:id',
    {
      config: { scope: 'read' },
      schema: {
        ...secured('read'),
        tags: ['incidents'],
        summary: 'One incident: as it stands, its timeline and its latest findings',
        params: idParamsSchema,
        querystring: incidentDetailQuerySchema,
        response: { 200: incidentDetailSchema, 404: apiErrorSchema },
      },
    },
    async (request, reply) => {
      const detail = await reader.getIncident(request.params.id, request.query.findings);
      if (detail === null) return sendError(reply, 404, 'no incident with this id');
      return detail;
    },
  );
};
