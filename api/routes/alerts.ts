import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { alertDeliveryFilterSchema, alertDeliveryPageSchema } from '../../alerts/delivery.js';
import type { AlertDispatcher } from '../../alerts/dispatcher.js';
import { secured } from './security.js';

export type AlertsRoutesOptions = { alerts: Pick<AlertDispatcher, 'list'> };

/** GET /alerts — webhook deliveries and their state (admin scope: it names webhook endpoints and errors). */
export const alertsRoutes: FastifyPluginAsyncZod<AlertsRoutesOptions> = async (app, { alerts }) => {
  app.get(
    '/alerts',
    {
      config: { scope: 'admin' },
      schema: {
        ...secured('admin'),
        tags: ['alerts'],
        summary: 'Webhook deliveries, newest first, filtered by state, webhook or finding',
        querystring: alertDeliveryFilterSchema.strict(),
        response: { 200: alertDeliveryPageSchema },
      },
    },
    async (request) => alerts.list(request.query),
  );
};
