import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { StoreReader } from '../../store/types.js';
import { apiErrorSchema, sendError } from '../errors.js';
import { buildTraceTree } from '../lineage-tree.js';
import { traceParamsSchema, traceTreeSchema } from '../schemas.js';
import { secured } from './security.js';

export type TracesRoutesOptions = { reader: StoreReader };

/** GET /traces/:traceId — the stored hops of one trace as a lineage tree. */
export const tracesRoutes: FastifyPluginAsyncZod<TracesRoutesOptions> = async (app, { reader }) => {
  app.get(
    '/traces/:traceId',
    {
      config: { scope: 'read' },
      schema: {
        ...secured('read'),
        tags: ['traces'],
        summary: 'Lineage tree of one trace; inferred parent edges are marked',
        params: traceParamsSchema,
        response: { 200: traceTreeSchema, 404: apiErrorSchema },
      },
    },
    async (request, reply) => {
      const hops = await reader.traceHops(request.params.traceId);
      if (hops.length === 0) return sendError(reply, 404, 'no stored hop for this trace');
      return buildTraceTree(request.params.traceId, hops);
    },
  );
};
