import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HttpIngestSource, HttpIntake, IntakeResult } from '../ingest/http-source.js';
import type { BatchOutcome, RawRecord } from '../ingest/source.js';
import { answerError, sendError } from './errors.js';
import { readWholeBody } from './whole-body.js';

/** A record an HTTP request carried, at `line` (an NDJSON line, or a position in an array or a delivery). */
export function httpRecord(raw: string, line: number, format?: string, traceId?: string): RawRecord {
  return { raw, format, origin: { source: 'http', line }, traceId };
}

/** Records per pipeline submit: large enough to amortise a store write, small enough to keep the loop responsive. */
export const submitBatchRecords = 256;

/**
 * The records of a body read whole (an export, a delivery), submitted a batch at a time with their
 * outcomes joined (reject indexes into `records`), and resolved once they are durable (what the
 * answer promises); a refusal ends it.
 */
export async function submitDurably(intake: HttpIntake, records: RawRecord[]): Promise<IntakeResult> {
  const joined: BatchOutcome = { accepted: 0, events: 0, rejects: [] };
  for (let start = 0; start < records.length; start += submitBatchRecords) {
    const submitted = await intake.submit(records.slice(start, start + submitBatchRecords));
    if (!submitted.ok) return submitted;
    const { accepted, events, rejects } = submitted.outcome;
    joined.accepted += accepted;
    joined.events += events;
    for (const { index, reason } of rejects) joined.rejects.push({ index: start + index, reason });
  }
  await intake.durable();
  return { ok: true, outcome: joined };
}

/** An error fastify answers with its status (see answerError). */
export function statusError(statusCode: number, message: string): Error {
  return Object.assign(new Error(message), { statusCode });
}

/**
 * For the routes of this plugin: bodies of `contentTypes` reach the handler as the request stream,
 * unread (413 at once when Content-Length already passes `maxBytes`); any other type is answered 415
 * by `unsupported`. Scoped to the plugin: other routes keep fastify's JSON parser.
 */
export function takeBodiesAsStreams(
  app: FastifyInstance,
  contentTypes: string[],
  maxBytes: number,
  unsupported: (reply: FastifyReply) => FastifyReply,
): void {
  app.removeAllContentTypeParsers();
  app.setErrorHandler<FastifyError>((error, request, reply) =>
    error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? unsupported(reply) : answerError(error, request, reply),
  );
  app.addContentTypeParser(contentTypes, (request, payload, done) => {
    const declared = Number(request.headers['content-length']);
    if (declared > maxBytes) done(statusError(413, `the body is larger than ${maxBytes} bytes`), undefined);
    else done(null, payload);
  });
}

/** `application/json; charset=utf-8` → `application/json`. */
export function mediaTypeOf(contentType: string | undefined): string | undefined {
  return contentType?.split(';', 1)[0]?.trim().toLowerCase();
}

/**
 * The body as sent, or inflated from gzip (what HTTP shippers and OTLP exporters send); null for an
 * encoding hopwatch does not read. The size limit then applies to the inflated bytes.
 */
function decodedBody(raw: Readable, encoding: string | undefined): Readable | null {
  const name = encoding?.trim().toLowerCase();
  if (name === undefined || name === '' || name === 'identity') return raw;
  if (name !== 'gzip' && name !== 'x-gzip') return null;
  // pipeline, not pipe: a client that goes away mid-body fails the inflating stream too.
  return pipeline(raw, createGunzip(), () => {});
}

/**
 * What reading a body can fail with that is not hopwatch's failure: the client going away mid-body
 * (nothing to answer) or a gzip body that does not inflate (400). Anything else is thrown again.
 */
export function answerBodyError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  // The socket, not the request stream: a request stream is destroyed once its body is read, and one
  // that stopped being read (a batch refused mid-body) lets go of its socket, which the reply still has.
  const socket = request.raw.socket ?? reply.raw.socket;
  if (socket === null || socket.destroyed) {
    request.log.info({ reason: (error as Error).message }, 'client closed the connection mid-body');
    return reply;
  }
  if ((error as { code?: string }).code?.startsWith('Z_')) {
    reply.header('connection', 'close');
    return sendError(reply, 400, `the gzip body cannot be inflated: ${(error as Error).message}`);
  }
  throw error;
}

/**
 * A body that is read whole (a JSON document, a protobuf message), or the 413 sent once it passes
 * `maxBytes` (the connection closes, so that the rest goes unread). `hint` ends the message.
 */
export async function wholeBodyOr413(
  body: Readable,
  reply: FastifyReply,
  maxBytes: number,
  hint = '',
): Promise<Buffer | FastifyReply> {
  const whole = await readWholeBody(body, maxBytes);
  if (whole.ok) return whole.bytes;
  reply.header('connection', 'close');
  return sendError(reply, 413, `the body is larger than ${maxBytes} bytes${hint}`);
}

/**
 * A request's body (inflated if need be) and an intake for it, or the answer already sent: 415 for
 * an encoding hopwatch does not read; 503 with Retry-After, before reading, when intake refuses. The
 * connection closes with either, so that the unread body goes with it.
 */
export function openBody(
  request: FastifyRequest,
  reply: FastifyReply,
  source: HttpIngestSource,
): { body: Readable; intake: HttpIntake } | FastifyReply {
  const body = decodedBody(request.body as Readable, request.headers['content-encoding']);
  if (body === null) {
    reply.header('connection', 'close');
    return sendError(reply, 415, 'Content-Encoding: send the body as is, or gzip');
  }
  const intake = source.openIntake();
  if ('refused' in intake) {
    reply.header('retry-after', '1').header('connection', 'close');
    return sendError(reply, 503, intake.refused);
  }
  return { body, intake };
}

/** What a route that reads its body whole takes from it, and how it answers each outcome. */
export type WholeBodyRoute<Read extends { records: RawRecord[] }> = {
  /** Ends the 413's message. */
  tooLargeHint?: string;
  /** The records the body holds, or why it is not what the route takes. */
  read(bytes: Buffer): Read | string;
  /** The body is not what the route takes (400): nothing of it is stored. */
  invalid(reply: FastifyReply, reason: string): FastifyReply;
  /** Intake refused the records (503; the connection closes): the sender retries. */
  unavailable(reply: FastifyReply, reason: string): FastifyReply;
  /** The records are durable. */
  accepted(reply: FastifyReply, read: Read, outcome: BatchOutcome): FastifyReply;
};

/** A whole-body route's handler: open, read, check, submit durably, answer (see WholeBodyRoute). */
export async function receiveWholeBody<Read extends { records: RawRecord[] }>(
  request: FastifyRequest,
  reply: FastifyReply,
  target: { source: HttpIngestSource; maxBytes: number },
  route: WholeBodyRoute<Read>,
): Promise<FastifyReply> {
  const opened = openBody(request, reply, target.source);
  if (!('intake' in opened)) return opened;
  const { body, intake } = opened;
  try {
    const bytes = await wholeBodyOr413(body, reply, target.maxBytes, route.tooLargeHint);
    if (!Buffer.isBuffer(bytes)) return bytes;
    const read = route.read(bytes);
    if (typeof read === 'string') return route.invalid(reply, read);
    const submitted = await submitDurably(intake, read.records);
    if (!submitted.ok) {
      reply.header('connection', 'close');
      return route.unavailable(reply, submitted.reason);
    }
    return route.accepted(reply, read, submitted.outcome);
  } catch (error) {
    return answerBodyError(error, request, reply);
  } finally {
    intake.close();
  }
}
