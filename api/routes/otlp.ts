import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { spanCount } from '../../ingest/formats/otlp.js';
import type { HttpIngestSource } from '../../ingest/http-source.js';
import {
  type OtlpPartialSuccess,
  type OtlpTraceExport,
  otlpTraceResponse,
  otlpTracesFromProtobuf,
} from '../../ingest/otlp-protobuf.js';
import { apiErrorSchema, sendError } from '../errors.js';
import { answerBodyError, mediaTypeOf, openBody, takeBodiesAsStreams } from '../request-body.js';
import { jsonContentType } from '../schemas.js';
import { readWholeBody } from '../whole-body.js';
import { secured } from './security.js';

export type OtlpRoutesOptions = { source: HttpIngestSource; maxBytes: number };

const protobufContentType = 'application/x-protobuf';
const otlpContentTypes = [protobufContentType, jsonContentType];

function unsupportedMediaType(reply: FastifyReply) {
  return sendError(reply, 415, `send an OTLP export as ${protobufContentType} or ${jsonContentType}`);
}

/** The body as the OTLP/JSON document the `otlp` format reads, or why it is not one. */
function exportOf(bytes: Buffer, protobuf: boolean): { exported: OtlpTraceExport; text: string } | string {
  try {
    if (protobuf) {
      const exported = otlpTracesFromProtobuf(bytes);
      return { exported, text: JSON.stringify(exported) };
    }
    const text = bytes.toString('utf8');
    const exported = JSON.parse(text) as OtlpTraceExport;
    if (!Array.isArray(exported?.resourceSpans))
      return 'not an OTLP/JSON ExportTraceServiceRequest: no resourceSpans';
    return { exported, text };
  } catch (error) {
    return protobuf ? (error as Error).message : 'not an OTLP/JSON ExportTraceServiceRequest: not valid JSON';
  }
}

/**
 * POST /traces — an OTLP/HTTP trace receiver, so that OpenTelemetry SDKs and the Collector's OTLP/HTTP
 * exporter (`otlp_http`) send to hopwatch as they would to a Collector. An export is one `otlp`
 * record: it goes through the same intake as POST /ingest (journal, pipeline, store) and is answered
 * once durable, in the encoding it came in. A record the pipeline rejects is kept as a dead letter
 * and answered as OTLP's partial success (the client must not retry it); a body that does not decode
 * is answered 400, and not stored (binary bytes would get past redaction).
 */
export const otlpRoutes: FastifyPluginAsyncZod<OtlpRoutesOptions> = async (app, { source, maxBytes }) => {
  takeBodiesAsStreams(app, otlpContentTypes, maxBytes, unsupportedMediaType);

  app.post(
    '/traces',
    {
      config: { scope: 'ingest' },
      schema: {
        ...secured('ingest'),
        tags: ['ingest'],
        summary: 'Receive OTLP/HTTP trace exports (application/x-protobuf or application/json)',
        consumes: otlpContentTypes,
        body: z.unknown().describe('An ExportTraceServiceRequest, in protobuf or OTLP/JSON'),
        response: {
          200: z.unknown().describe('An ExportTraceServiceResponse, in the encoding of the request'),
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
        const whole = await readWholeBody(body, maxBytes);
        if (!whole.ok) {
          reply.header('connection', 'close');
          return sendError(reply, 413, `the body is larger than ${maxBytes} bytes`);
        }
        const protobuf = mediaType === protobufContentType;
        const read = exportOf(whole.bytes, protobuf);
        if (typeof read === 'string') return sendError(reply, 400, read);
        const submitted = await intake.submit([
          { raw: read.text, format: 'otlp', origin: { source: 'http', line: 1 } },
        ]);
        if (!submitted.ok) {
          reply.header('retry-after', '1').header('connection', 'close');
          return sendError(reply, 503, submitted.reason);
        }
        await intake.durable();
        const rejected = submitted.outcome.rejects[0];
        const partial: OtlpPartialSuccess | undefined =
          rejected === undefined
            ? undefined
            : { rejectedSpans: spanCount(read.exported), errorMessage: rejected.reason };
        if (!protobuf) return partial === undefined ? {} : { partialSuccess: partial };
        return reply.type(protobufContentType).send(Buffer.from(otlpTraceResponse(partial)));
      } catch (error) {
        return answerBodyError(error, request, reply);
      } finally {
        intake.close();
      }
    },
  );
};
