import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { StoreReader } from '../../store/types.js';
import { chartedActivity, type RateLimit } from '../activity.js';
import { apiErrorSchema, sendError } from '../errors.js';
import {
  activityQuerySchema,
  credentialActivitySchema,
  credentialSummarySchema,
  idParamsSchema,
} from '../schemas.js';
import { secured } from './security.js';

export type CredentialsRoutesOptions = { reader: StoreReader; rateLimit: RateLimit };

/** Buckets one activity answer holds at most. */
const maxBuckets = 1_440;

/** GET /credentials/:id — what one credential did and what was found on it (ids URL-encoded) — and its activity over time. */
export const credentialsRoutes: FastifyPluginAsyncZod<CredentialsRoutesOptions> = async (
  app,
  { reader, rateLimit },
) => {
  app.get(
    '/credentials/:id',
    {
      config: { scope: 'read' },
      schema: {
        ...secured('read'),
        tags: ['credentials'],
        summary: 'Summary of one credential, e.g. jwt:https%3A%2F%2Fissuer%7Csub',
        params: idParamsSchema,
        response: { 200: credentialSummarySchema, 404: apiErrorSchema },
      },
    },
    async (request, reply) => {
      const summary = await reader.credentialSummary(request.params.id);
      if (summary === null) return sendError(reply, 404, 'no hop or finding for this credential');
      return summary;
    },
  );

  app.get(
    '/credentials/:id/activity',
    {
      config: { scope: 'read' },
      schema: {
        ...secured('read'),
        tags: ['credentials'],
        summary:
          'Hops per time bucket of one origin credential against its recent median, and where they went',
        params: idParamsSchema,
        querystring: activityQuerySchema,
        response: { 200: credentialActivitySchema, 400: apiErrorSchema, 404: apiErrorSchema },
      },
    },
    async (request, reply) => {
      const { from, to, bucketSeconds } = request.query;
      if (from !== undefined && to !== undefined && from >= to)
        return sendError(reply, 400, 'query parameter to: must be later than from');
      const range = { from, to, bucketMs: bucketSeconds * 1_000, maxBuckets };
      const activity = await reader.credentialActivity(request.params.id, range);
      if (activity === null) return sendError(reply, 404, 'no hop stored for this origin credential');
      return chartedActivity(request.params.id, activity, rateLimit);
    },
  );
};
