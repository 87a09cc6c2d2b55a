import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import { secured } from './security.js';

export type MetricsRoutesOptions = { registry: Registry };

/** GET /metrics in the Prometheus text format; needs the read scope when tokens are configured. */
export const metricsRoutes: FastifyPluginAsync<MetricsRoutesOptions> = async (app, { registry }) => {
  app.get(
    '/metrics',
    {
      config: { scope: 'read' },
      schema: { ...secured('read'), tags: ['health'], summary: 'Prometheus metrics' },
    },
    async (_request, reply) => {
      const text = await registry.metrics();
      return reply.type(registry.contentType).send(text);
    },
  );
};
