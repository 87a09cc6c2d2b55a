import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { HttpIngestSource } from '../../ingest/http-source.js';
import { otlpExportResponse } from '../../ingest/otlp-protobuf.js';
import { apiErrorSchema, sendError } from '../errors.js';
import { exportOf, jsonResponse, logs, partialOf, traces } from '../otlp-signals.js';
import { mediaTypeOf, receiveWholeBody, takeBodiesAsStreams } from '../request-body.js';
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
export const otlpRoutes: FastifyPluginAsyncZod<OtlpRoutesOptions> = async (app, target) => {
  takeBodiesAsStreams(app, otlpContentTypes, target.maxBytes, unsupportedMediaType);

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
        const protobuf = mediaType === protobufContentType;
        return receiveWholeBody(request, reply, target, {
          read: (bytes) => exportOf(signal, bytes, protobuf),
          invalid: (reply, reason) => sendError(reply, 400, reason),
          unavailable: (reply, reason) => sendError(reply.header('retry-after', '1'), 503, reason),
          accepted: (reply, read, outcome) => {
            const partial = partialOf(read, outcome.rejects);
            if (!protobuf) return reply.send(jsonResponse(signal, partial));
            return reply.type(protobufContentType).send(Buffer.from(otlpExportResponse(partial)));
          },
        });
      },
    );
  }
};
