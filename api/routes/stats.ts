import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { PipelineStats } from '../../schemas/stats.js';
import type { StoreReader } from '../../store/types.js';
import { statsSchema } from '../schemas.js';
import { secured } from './security.js';

export type StatsRoutesOptions = { reader: StoreReader; pipelineStats(): PipelineStats };

/** GET /stats — stored totals and the live state of ingest and the detection engine. */
export const statsRoutes: FastifyPluginAsyncZod<StatsRoutesOptions> = async (
  app,
  { reader, pipelineStats },
) => {
  app.get(
    '/stats',
    {
      config: { scope: 'read' },
      schema: {
        ...secured('read'),
        tags: ['stats'],
        summary: 'Stored totals, ingest counters and detection engine state',
        response: { 200: statsSchema },
      },
    },
    async () => {
      const store = await reader.stats();
      const { engine, lanes, ...ingest } = pipelineStats();
      return { store, ingest, engine, lanes };
    },
  );
};
