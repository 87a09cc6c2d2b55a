import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { SilenceBook } from '../../incidents/silences.js';
import { expiryMs, silenceSchema, silenceSpecSchema } from '../../schemas/silence.js';
import { apiErrorSchema, sendError } from '../errors.js';
import { idParamsSchema, silenceListSchema } from '../schemas.js';
import { secured } from './security.js';

export type SilencesRoutesOptions = { silences: SilenceBook; now: () => number };

/** GET /silences (read), POST /silences and DELETE /silences/:id (admin). */
export const silencesRoutes: FastifyPluginAsyncZod<SilencesRoutesOptions> = async (
  app,
  { silences, now },
) => {
  app.get(
    '/silences',
    {
      config: { scope: 'read' },
      schema: {
        ...secured('read'),
        tags: ['silences'],
        summary: 'Every silence, configured and made through the API, expired ones for a day',
        response: { 200: silenceListSchema },
      },
    },
    async () => ({ items: silences.list() }),
  );

  app.post(
    '/silences',
    {
      config: { scope: 'admin' },
      schema: {
        ...secured('admin'),
        tags: ['silences'],
        summary: 'Silence findings by credential glob, detector and/or rule until an expiry, with a reason',
        body: silenceSpecSchema,
        response: { 201: silenceSchema, 400: apiErrorSchema },
      },
    },
    async (request, reply) => {
      const expiresAt = expiryMs(request.body.expiresAt);
      if (!(expiresAt > now())) return sendError(reply, 400, 'body expiresAt: must be in the future');
      const silence = await silences.add(request.body);
      return reply.code(201).send(silence);
    },
  );

  app.delete(
    '/silences/:id',
    {
      config: { scope: 'admin' },
      schema: {
        ...secured('admin'),
        tags: ['silences'],
        summary: 'End a silence made through the API now (configured ones end by editing the config)',
        params: idParamsSchema,
        response: { 200: silenceSchema, 404: apiErrorSchema },
      },
    },
    async (request, reply) => {
      const ended = await silences.expire(request.params.id);
      if (ended === undefined) return sendError(reply, 404, 'no silence made through the API with this id');
      return ended;
    },
  );
};
