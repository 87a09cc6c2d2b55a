import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { StoreReader } from '../../store/types.js';
import { apiErrorSchema, sendError } from '../errors.js';
import { credentialSummarySchema, idParamsSchema } from '../schemas.js';
import { secured } from './security.js';

export type CredentialsRoutesOptions = { reader: StoreReader };

/** GET /credentials/:id — what one credential did and what was found on it (ids URL-encoded). */
export const credentialsRoutes: FastifyPluginAsyncZod<CredentialsRoutesOptions> = async (app, { reader }) => {
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
};
