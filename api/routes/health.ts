import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Source } from '../../ingest/source.js';
import { healthSchema, readinessSchema } from '../schemas.js';

export type HealthRoutesOptions = {
  /** The store answers queries and its last write reached it. */
  storeReady(): Promise<boolean>;
  sources: readonly Source[];
};

/** /healthz (the process answers) and /readyz (the store answers and every source is connected); both open. */
export const healthRoutes: FastifyPluginAsyncZod<HealthRoutesOptions> = async (
  app,
  { storeReady, sources },
) => {
  app.get(
    '/healthz',
    { schema: { tags: ['health'], summary: 'The process is up', response: { 200: healthSchema } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'Ready to take traffic: the store answers and takes writes, every source is connected',
        response: { 200: readinessSchema, 503: readinessSchema },
      },
    },
    async (_request, reply) => {
      const store = await storeReady().catch(() => false);
      const bySource: Record<string, boolean> = {};
      for (const source of sources) bySource[source.name] = source.connected();
      const ready = store && Object.values(bySource).every(Boolean);
      return reply
        .code(ready ? 200 : 503)
        .send({ status: ready ? 'ready' : 'not_ready', store, sources: bySource });
    },
  );
};
