import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isObject } from '../../common/json.js';
import { spanCount } from '../../ingest/formats/otlp.js';
import type { HttpIngestSource } from '../../ingest/http-source.js';
import { otlpLogLines, otlpLogsFromProtobuf } from '../../ingest/otlp-logs.js';
import {
  type OtlpPartialSuccess,
  otlpExportResponse,
  otlpTracesFromProtobuf,
} from '../../ingest/otlp-protobuf.js';
import type { RawRecord, RecordReject } from '../../ingest/source.js';
import { apiErrorSchema, sendError } from '../errors.js';
import {
  answerBodyError,
  mediaTypeOf,
  openBody,
  submitInBatches,
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

/** What an export request became: the records it is, and how many spans or log records each holds. */
type ReadExport = { records: RawRecord[]; itemsPerRecord: number };

/** One OTLP signal's receiver: its path, its request message, and how a body becomes records. */
type Signal = {
  path: string;
  request: string;
  /** The export's top-level list, and OTLP/JSON's name for the rejected count of a partial success. */
  resources: string;
  rejectedKey: string;
  summary: string;
  fromProtobuf: (bytes: Buffer) => unknown;
  /** The records of an export in its OTLP/JSON form, or undefined when it is not such an export. */
  recordsOf: (exported: unknown, text: string) => ReadExport | undefined;
};

const http = (line: number) => ({ source: 'http' as const, line });

/** A trace export is one `otlp` record (lineage reads its spans together). */
const traces: Signal = {
  path: '/traces',
  request: 'ExportTraceServiceRequest',
  resources: 'resourceSpans',
  rejectedKey: 'rejectedSpans',
  summary: 'Receive OTLP/HTTP trace exports (application/x-protobuf or application/json)',
  fromProtobuf: otlpTracesFromProtobuf,
  recordsOf: (exported, text) =>
    isObject(exported) && Array.isArray(exported.resourceSpans)
      ? { records: [{ raw: text, format: 'otlp', origin: http(1) }], itemsPerRecord: spanCount(exported) }
      : undefined,
};

/** A log export is a record per log record: the access log line its body holds, in whatever format. */
const logs: Signal = {
  path: '/logs',
  request: 'ExportLogsServiceRequest',
  resources: 'resourceLogs',
  rejectedKey: 'rejectedLogRecords',
  summary: 'Receive OTLP/HTTP log exports whose log records are access log lines',
  fromProtobuf: otlpLogsFromProtobuf,
  recordsOf: (exported) => {
    const lines = otlpLogLines(exported);
    if (lines === undefined) return undefined;
    const records = lines.map(
      ({ text, traceId }, index): RawRecord => ({
        raw: text,
        format: undefined,
        origin: http(index + 1),
        traceId,
      }),
    );
    return { records, itemsPerRecord: 1 };
  },
};

/** The body's records, or why it is not an export of the signal. */
function exportOf(signal: Signal, bytes: Buffer, protobuf: boolean): ReadExport | string {
  const notExport = `not an OTLP/JSON ${signal.request}`;
  try {
    if (protobuf) {
      const exported = signal.fromProtobuf(bytes);
      return signal.recordsOf(exported, JSON.stringify(exported)) ?? `not an OTLP ${signal.request}`;
    }
    const text = bytes.toString('utf8');
    return signal.recordsOf(JSON.parse(text), text) ?? `${notExport}: no ${signal.resources}`;
  } catch (error) {
    return protobuf ? (error as Error).message : `${notExport}: not valid JSON`;
  }
}

/** Partial success: how many items the rejected records held, and why the first was rejected. */
function partialOf(read: ReadExport, rejects: readonly RecordReject[]): OtlpPartialSuccess | undefined {
  const first = rejects[0];
  if (first === undefined) return undefined;
  const rejected = rejects.length * read.itemsPerRecord;
  const more = rejects.length > 1 ? ` (and ${rejects.length - 1} more records rejected)` : '';
  return { rejected, errorMessage: `${first.reason}${more}` };
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
          const submitted = await submitInBatches(intake, read.records);
          if (!submitted.ok) {
            reply.header('retry-after', '1').header('connection', 'close');
            return sendError(reply, 503, submitted.reason);
          }
          await intake.durable();
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

/** The export response in OTLP/JSON, which names the rejected count after the signal. */
function jsonResponse(signal: Signal, partial: OtlpPartialSuccess | undefined) {
  if (partial === undefined) return {};
  return { partialSuccess: { [signal.rejectedKey]: partial.rejected, errorMessage: partial.errorMessage } };
}
