import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { parsedOrUndefined } from '../../common/json.js';
import { firehoseRecordLines } from '../../ingest/firehose.js';
import type { HttpIngestSource } from '../../ingest/http-source.js';
import type { RawRecord } from '../../ingest/source.js';
import { apiErrorSchema, sendError } from '../errors.js';
import {
  answerBodyError,
  openBody,
  submitDurably,
  takeBodiesAsStreams,
  wholeBodyOr413,
} from '../request-body.js';
import { ingestQuerySchema, jsonContentType } from '../schemas.js';
import { secured } from './security.js';

export type FirehoseRoutesOptions = { source: HttpIngestSource; maxBytes: number };

/** Where Firehose puts the access key configured on the stream's HTTP endpoint: an ingest token here. */
export const firehoseAccessKeyHeader = 'x-amz-firehose-access-key';

const deliverySchema = z.object({
  requestId: z.string().min(1),
  timestamp: z.number().optional(),
  records: z.array(z.object({ data: z.string() })),
});

/** What Firehose expects back, on success and failure alike: its request id and a time. */
function answer(reply: FastifyReply, status: number, requestId: string, errorMessage?: string) {
  const body = { requestId, timestamp: Date.now(), ...(errorMessage === undefined ? {} : { errorMessage }) };
  return reply.code(status).type(jsonContentType).send(body);
}

/** The delivery's lines as records numbered from 1 across its records, or why a record does not decode. */
function recordsOf(delivery: z.infer<typeof deliverySchema>, format: string | undefined, maxBytes: number) {
  const records: RawRecord[] = [];
  for (const [index, { data }] of delivery.records.entries()) {
    try {
      for (const line of firehoseRecordLines(data, maxBytes))
        records.push({
          raw: line,
          format,
          origin: { source: 'http', line: records.length + 1 },
          traceId: undefined,
        });
    } catch (error) {
      return `record ${index + 1}: ${(error as Error).message}`;
    }
  }
  return records;
}

/**
 * POST /firehose — an Amazon Data Firehose HTTP endpoint, so that API Gateway's access logs (sent to a
 * Firehose stream, or to CloudWatch Logs with a subscription to one) reach hopwatch with nothing in
 * between. The stream's access key is an ingest token. A delivery is answered once its lines are
 * durable; lines hopwatch cannot read are kept as dead letters and the delivery still succeeds
 * (sending them again would not help). A delivery that does not decode is answered 400: Firehose
 * retries it, then keeps it in its backup bucket.
 */
export const firehoseRoutes: FastifyPluginAsyncZod<FirehoseRoutesOptions> = async (
  app,
  { source, maxBytes },
) => {
  takeBodiesAsStreams(app, [jsonContentType], maxBytes, (reply) =>
    sendError(reply, 415, `send ${jsonContentType}, as Firehose does`),
  );

  app.post(
    '/firehose',
    {
      config: { scope: 'ingest', tokenHeader: firehoseAccessKeyHeader },
      schema: {
        ...secured('ingest'),
        tags: ['ingest'],
        summary: 'Receive an Amazon Data Firehose HTTP endpoint delivery of access log lines',
        querystring: ingestQuerySchema,
        consumes: [jsonContentType],
        body: z.unknown().describe('A Firehose delivery: {requestId, timestamp, records: [{data: base64}]}'),
        response: {
          200: z.object({ requestId: z.string(), timestamp: z.number() }),
          400: z.unknown(),
          413: apiErrorSchema,
          415: apiErrorSchema,
          503: z.unknown(),
        },
      },
    },
    async (request, reply) => {
      const requestId = String(request.headers['x-amz-firehose-request-id'] ?? '');
      const opened = openBody(request, reply, source);
      if (!('intake' in opened)) return opened;
      const { body, intake } = opened;
      try {
        const bytes = await wholeBodyOr413(body, reply, maxBytes, ": lower the stream's buffer size");
        if (!Buffer.isBuffer(bytes)) return bytes;
        const delivery = deliverySchema.safeParse(parsedOrUndefined(bytes.toString('utf8')));
        if (!delivery.success)
          return answer(reply, 400, requestId, 'not a Firehose delivery: {requestId, records: [{data}]}');
        const records = recordsOf(delivery.data, request.query.format, maxBytes);
        if (typeof records === 'string') return answer(reply, 400, delivery.data.requestId, records);
        const submitted = await submitDurably(intake, records);
        if (!submitted.ok) {
          reply.header('connection', 'close');
          return answer(reply, 503, delivery.data.requestId, submitted.reason);
        }
        return answer(reply, 200, delivery.data.requestId);
      } catch (error) {
        return answerBodyError(error, request, reply);
      } finally {
        intake.close();
      }
    },
  );
};
