import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { parsedOrUndefined } from '../../common/json.js';
import { firehoseRecordLines } from '../../ingest/firehose.js';
import type { HttpIngestSource } from '../../ingest/http-source.js';
import type { RawRecord } from '../../ingest/source.js';
import { apiErrorSchema, sendError } from '../errors.js';
import { httpRecord, receiveWholeBody, takeBodiesAsStreams } from '../request-body.js';
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
        records.push(httpRecord(line, records.length + 1, format));
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
export const firehoseRoutes: FastifyPluginAsyncZod<FirehoseRoutesOptions> = async (app, target) => {
  takeBodiesAsStreams(app, [jsonContentType], target.maxBytes, (reply) =>
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
      let delivered = requestId;
      return receiveWholeBody(request, reply, target, {
        tooLargeHint: ": lower the stream's buffer size",
        read: (bytes) => {
          const delivery = deliverySchema.safeParse(parsedOrUndefined(bytes.toString('utf8')));
          if (!delivery.success) return 'not a Firehose delivery: {requestId, records: [{data}]}';
          delivered = delivery.data.requestId;
          const records = recordsOf(delivery.data, request.query.format, target.maxBytes);
          return typeof records === 'string' ? records : { records };
        },
        invalid: (reply, reason) => answer(reply, 400, delivered, reason),
        unavailable: (reply, reason) => answer(reply, 503, delivered, reason),
        accepted: (reply) => answer(reply, 200, delivered),
      });
    },
  );
};
