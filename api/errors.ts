import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { StoreUnavailableError } from '../store/types.js';

/** Every error the API returns has this shape; `message` never repeats a credential or header value. */
export const apiErrorSchema = z.object({
  error: z.string().describe('short machine-readable code, e.g. bad_request, unauthorized'),
  message: z.string().describe('one human sentence'),
});

export type ApiError = z.infer<typeof apiErrorSchema>;

const errorCodes: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  500: 'internal',
  503: 'unavailable',
};

export function errorCode(status: number): string {
  return errorCodes[status] ?? (status >= 500 ? 'internal' : 'bad_request');
}

export function sendError(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply
    .code(status)
    .type('application/json')
    .send({ error: errorCode(status), message });
}

/** Parameter locations as a client reads them, for messages like "query parameter limit: …". */
const locationNames: Record<string, string> = {
  querystring: 'query parameter',
  params: 'path parameter',
  body: 'body field',
  headers: 'header',
};

function describeValidation(error: FastifyError): string {
  const location = locationNames[error.validationContext ?? ''] ?? 'parameter';
  const issues = error.validation ?? [];
  return issues
    .map((issue) => {
      const name = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
      return name === '' ? `${location}s: ${issue.message}` : `${location} ${name}: ${issue.message}`;
    })
    .join('; ');
}

/**
 * JSON errors for the whole app: validation → 400 naming the parameter, known 4xx from fastify kept
 * with their status, anything else → 500 without internals (logged instead). Also what the router
 * answers before any route (fastify's `frameworkErrors`).
 */
export function answerError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (hasZodFastifySchemaValidationErrors(error)) return sendError(reply, 400, describeValidation(error));
  if (isResponseSerializationError(error)) {
    request.log.error({ err: error.cause, url: error.url }, 'response does not match its schema');
    return sendError(reply, 500, 'internal error');
  }
  if (error instanceof StoreUnavailableError) {
    request.log.warn({ err: error }, 'store unavailable');
    return sendError(reply, 503, 'the store is unavailable; retry later');
  }
  // fastify's message quotes the header; routes that take other bodies answer their own (request-body.ts).
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return sendError(reply, 415, 'send application/json');
  // fastify's own message quotes the path, which may hold an id.
  if (error.code === 'FST_ERR_BAD_URL')
    return sendError(reply, 400, 'the path does not decode: a malformed %-escape');
  const status = error.statusCode ?? 500;
  // A 503 is hopwatch saying it cannot take this now, and why: what it cannot do is logged where it happens.
  if (status === 503) {
    request.log.warn({ reason: error.message }, 'answered 503');
    return sendError(reply, status, error.message);
  }
  if (status >= 500) {
    request.log.error({ err: error }, 'request failed');
    return sendError(reply, status, 'internal error');
  }
  return sendError(reply, status, error.message);
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler(answerError);
  // The query string is left out of the message: it is the one place a client might have put a secret.
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, `no route ${request.method} ${request.url.split('?', 1)[0]}`),
  );
}
