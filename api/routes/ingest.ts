import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { HttpIngestSource } from '../../ingest/http-source.js';
import { withLogRecords } from '../../ingest/otlp-logs.js';
import type { BatchOutcome, RawRecord } from '../../ingest/source.js';
import { apiErrorSchema, sendError } from '../errors.js';
import { readJsonBody } from '../json-body.js';
import { type NdjsonLine, readNdjson } from '../ndjson.js';
import {
  answerBodyError,
  httpRecord,
  mediaTypeOf,
  openBody,
  statusError,
  submitBatchRecords,
  takeBodiesAsStreams,
} from '../request-body.js';
import {
  type IngestResult,
  ingestContentTypes,
  ingestQuerySchema,
  ingestResultSchema,
  jsonContentType,
  ndjsonContentTypes,
} from '../schemas.js';
import { secured } from './security.js';

export type IngestRoutesOptions = {
  source: HttpIngestSource;
  maxBytes: number;
  maxListedRejects: number;
};

/**
 * POST /ingest — an NDJSON body in any supported log format. The body is never buffered: the content
 * type parser hands over the request stream, lines go to the pipeline in batches as they arrive, and
 * the size limit is enforced while reading (413 before reading when Content-Length already says so).
 * A JSON body (an array of records, or one) is read whole within the same limit, then goes the same way.
 */
export const ingestRoutes: FastifyPluginAsyncZod<IngestRoutesOptions> = async (app, options) => {
  const { source, maxBytes, maxListedRejects } = options;
  takeBodiesAsStreams(app, ingestContentTypes, maxBytes, unsupportedMediaType);

  app.post(
    '/ingest',
    {
      config: { scope: 'ingest' },
      schema: {
        ...secured('ingest'),
        tags: ['ingest'],
        summary:
          'Ingest access-log records: NDJSON (application/x-ndjson or text/plain), one record per line, ' +
          'or a JSON array of records (application/json)',
        querystring: ingestQuerySchema,
        consumes: ingestContentTypes,
        // Documents the body; NDJSON is streamed line by line, never parsed whole.
        body: z
          .unknown()
          .describe('Access-log records in any supported format: one per line, or a JSON array of them'),
        response: {
          200: ingestResultSchema,
          400: apiErrorSchema,
          413: apiErrorSchema,
          415: apiErrorSchema,
          503: apiErrorSchema,
        },
      },
    },
    async (request, reply) => {
      if (request.headers['content-type'] === undefined) return unsupportedMediaType(reply);
      const opened = openBody(request, reply, source);
      if (!('intake' in opened)) return opened;
      const { body, intake } = opened;
      try {
        const result: IngestResult = { accepted: 0, rejected: 0, events: 0, rejects: [] };
        const format = request.query.format;
        const readBody = readerFor(request.headers['content-type']);
        const read = await readBody(body, { maxBytes, batchLines: submitBatchRecords }, async (batch) => {
          const lines = withLogRecords(
            batch,
            ({ text }) => text,
            ({ line }, { text, traceId }) => ({ line, text, traceId }),
          );
          const submitted = await intake.submit(lines.map((line) => toRecord(line, format)));
          if (!submitted.ok) {
            reply.header('connection', 'close').header('retry-after', '1');
            throw statusError(503, submitted.reason);
          }
          tally(result, submitted.outcome, lines, maxListedRejects);
        });
        await intake.durable();
        if (!read.ok) {
          reply.header('connection', 'close');
          const tooLarge = `the body is larger than ${maxBytes} bytes`;
          if (read.lines === 0) return sendError(reply, 413, `${tooLarge}; nothing was taken from it`);
          return sendError(
            reply,
            413,
            `${tooLarge}; reading stopped after line ${read.lines} ` +
              `(${result.accepted} lines accepted, ${result.rejected} rejected before that)`,
          );
        }
        if (result.accepted + result.rejected === 0)
          return sendError(reply, 400, 'the body holds no records');
        return result;
      } catch (error) {
        return answerBodyError(error, request, reply);
      } finally {
        intake.close();
      }
    },
  );
};

/** The body formats ingest reads; anything else, or no Content-Type at all, is 415. */
function unsupportedMediaType(reply: FastifyReply) {
  return sendError(
    reply,
    415,
    `send ${ndjsonContentTypes.join(' or ')} (one record per line) or ${jsonContentType} (an array of records, or one)`,
  );
}

/** A JSON document is read whole; anything else the parser let through (NDJSON, text) line by line. */
function readerFor(contentType: string | undefined): typeof readNdjson {
  return mediaTypeOf(contentType) === jsonContentType ? readJsonBody : readNdjson;
}

function toRecord(line: NdjsonLine, format: string | undefined): RawRecord {
  return httpRecord(line.text, line.line, format, line.traceId);
}

function tally(result: IngestResult, outcome: BatchOutcome, lines: NdjsonLine[], maxListed: number): void {
  result.accepted += outcome.accepted;
  result.events += outcome.events;
  result.rejected += outcome.rejects.length;
  for (const reject of outcome.rejects) {
    if (result.rejects.length >= maxListed) break;
    result.rejects.push({ line: lines[reject.index]?.line ?? 0, reason: reject.reason });
  }
}
