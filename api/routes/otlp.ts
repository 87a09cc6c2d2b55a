import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { HttpIngestSource } from '../../ingest/http-source.js';
import { otlpExportResponse } from '../../ingest/otlp-protobuf.js';
import { apiErrorSchema, sendError } from '../errors.js';
import { exportOf, jsonResponse, logs, partialOf, traces } from '../otlp-signals.js';
import {
  answerBodyError,
  mediaTypeOf,
  openBody,
  submitDurably,
  takeBodiesAsStreams,
  wholeBodyOr413,
} from '../request-body.js';
import { jsonContentType } from '../schemas.js';
import { secured } from './security.js';

export type OtlpRoutesOptions = { source: HttpIngestSource; maxBytes: number };

const protobufContentType = 'application/x-protobuf';
const otlpContentTypes = [protobufContentType, jsonContentType];

function unsupportedMediaType(reply: FastifyReply) {
  return sendError(reply, 415, `send an OTLP export as ${protobufContentType} or ${jsonContentType}`);
}

/**
 * POST /traces and POST /logs — an OTLP/HTTP receiver, so that OpenTelemetry SDKs and the Collector's
 * OTLP/HTTP exporter (`otlp_http`) send to hopwatch as they would to a Collector. An export's records
 * go through the same intake as POST /ingest (journal, pipeline, store), and the export is answered
 * once durable, in the encoding it came in. Records the pipeline rejects are kept as dead letters and
 * answered as OTLP's partial success (the client must not retry them); a body that does not decode is
 * answered 400, and not stored (binary bytes would get past redaction).
 */
export const otlpRoutes: FastifyPluginAsyncZod<OtlpRoutesOptions> = async (app, { source, maxBytes }) => {
  takeBodiesAsStreams(app, otlpContentTypes, maxBytes, unsupportedMediaType);

  for (const signal of [traces, logs]) {
    app.post(
      signal.path,
      {
        config: { scope: 'ingest' },
        schema: {
          ...secured('ingest'),
          tags: ['ingest'],
          summary: signal.summary,
          consumes: otlpContentTypes,
          body: z.unknown().describe(`An ${signal.request}, in protobuf or OTLP/JSON`),
          response: {
            200: z.unknown().describe('The export response, in the encoding of the request'),
            400: apiErrorSchema,
            413: apiErrorSchema,
            415: apiErrorSchema,
            503: apiErrorSchema,
          },
        },
      },
      async (request, reply) => {
        const mediaType = mediaTypeOf(request.headers['content-type']);
        if (mediaType === undefined) return unsupportedMediaType(reply);
        const opened = openBody(request, reply, source);
        if (!('intake' in opened)) return opened;
        const { body, intake } = opened;
        try {
          const bytes = await wholeBodyOr413(body, reply, maxBytes);
          if (!Buffer.isBuffer(bytes)) return bytes;
          const protobuf = mediaType === protobufContentType;
          const read = exportOf(signal, bytes, protobuf);
          if (typeof read === 'string') return sendError(reply, 400, read);
          const submitted = await submitDurably(intake, read.records);
          if (!submitted.ok) {
            reply.header('retry-after', '1').header('connection', 'close');
            return sendError(reply, 503, submitted.reason);
          }
          const partial = partialOf(read, submitted.outcome.rejects);
          if (!protobuf) return jsonResponse(signal, partial);
          return reply.type(protobufContentType).send(Buffer.from(otlpExportResponse(partial)));
        } catch (error) {
          return answerBodyError(error, request, reply);
        } finally {
          intake.close();
        }
      },
    );
  }
};
