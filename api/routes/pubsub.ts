import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { parsedOrUndefined } from '../../common/json.js';
import type { HttpIngestSource } from '../../ingest/http-source.js';
import { pushedRecords, pushRequestSchema } from '../../ingest/pubsub.js';
import { apiErrorSchema, sendError } from '../errors.js';
import type { OtherCredential } from '../google-oidc.js';
import { httpRecord, receiveWholeBody, takeBodiesAsStreams } from '../request-body.js';
import { ingestQuerySchema, jsonContentType } from '../schemas.js';
import { secured } from './security.js';

export type PubsubRoutesOptions = {
  source: HttpIngestSource;
  maxBytes: number;
  /** Google's OIDC token, when the subscription pushes with authentication (api.pubsubPush). */
  verifyOidc?: (token: string) => Promise<OtherCredential>;
};

/** The query parameter a push subscription's URL carries the ingest token in. */
const pubsubTokenParameter = 'token';

/**
 * POST /pubsub — a Pub/Sub push subscription's endpoint, so that Google Cloud's request logs (a Cloud
 * Logging sink to a Pub/Sub topic) reach hopwatch with nothing in between. The subscription's URL
 * carries an ingest token (`?token=`), as push can set no header of hopwatch's; or, with
 * `api.pubsubPush`, the subscription's own OIDC token is checked against Google's keys. A message is
 * answered 204 once its records are durable, which acknowledges it; records hopwatch cannot read are
 * kept as dead letters and the message is still acknowledged (delivering it again would not help). A
 * body that is not a push request is answered 400 and not stored; 503 makes Pub/Sub deliver it again.
 */
export const pubsubRoutes: FastifyPluginAsyncZod<PubsubRoutesOptions> = async (app, target) => {
  takeBodiesAsStreams(app, [jsonContentType], target.maxBytes, (reply) =>
    sendError(reply, 415, `send ${jsonContentType}, as Pub/Sub push does`),
  );

  app.post(
    '/pubsub',
    {
      config: { scope: 'ingest', tokenQuery: pubsubTokenParameter, verifyOther: target.verifyOidc },
      schema: {
        ...secured('ingest'),
        tags: ['ingest'],
        summary: 'Receive a Pub/Sub push subscription’s messages of access log records',
        querystring: ingestQuerySchema.extend({
          [pubsubTokenParameter]: z
            .string()
            .optional()
            .describe('an ingest token, for a push subscription, which cannot send Authorization'),
        }),
        consumes: [jsonContentType],
        body: z.unknown().describe('A push request: {message: {data: base64, messageId, …}, subscription}'),
        response: {
          204: z.null().describe('Durable: the message is acknowledged'),
          400: apiErrorSchema,
          401: apiErrorSchema,
          403: apiErrorSchema,
          413: apiErrorSchema,
          415: apiErrorSchema,
          503: apiErrorSchema,
        },
      },
    },
    async (request, reply) =>
      receiveWholeBody(request, reply, target, {
        read: (bytes) => {
          const pushed = pushRequestSchema.safeParse(parsedOrUndefined(bytes.toString('utf8')));
          if (!pushed.success)
            return 'not a Pub/Sub push request: {message: {data, messageId}, subscription}';
          const records = pushedRecords(pushed.data).map((raw, index) =>
            httpRecord(raw, index + 1, request.query.format),
          );
          return { records };
        },
        invalid: (reply, reason) => sendError(reply, 400, reason),
        unavailable: (reply, reason) => sendError(reply.header('retry-after', '1'), 503, reason),
        accepted: (reply) => reply.code(204).send(),
      }),
  );
};
