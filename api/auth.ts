import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiConfig, ApiToken, ApiTokenScope } from './config.js';
import { sendError } from './errors.js';
import type { OtherCredential } from './google-oidc.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Scope a bearer token needs for this route; routes without one are open (health checks). */
    scope?: ApiTokenScope;
    /** A header that carries the token as it is, for a client that cannot send Authorization (Firehose). */
    tokenHeader?: string;
    /**
     * A query parameter that carries the token, for a client that can set neither Authorization nor
     * a header (a Pub/Sub push subscription: only its URL is configured). Routes log their pattern,
     * never the URL, so the token stays out of the logs.
     */
    tokenQuery?: string;
    /**
     * A credential another party issued that the route also takes, as its own scope grants, when the
     * presented token is none of hopwatch's (Google's OIDC token for a Pub/Sub push subscription).
     */
    verifyOther?: (token: string) => Promise<OtherCredential>;
  }
}

const TOKEN_PREFIX = 'hw_';
const REALM = 'Bearer realm="hopwatch"';

/** A new random bearer token (256 bits) and the `sha256:<hex>` form that goes into the config. */
export function generateToken(): { token: string; hash: string } {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return `sha256:${createHash('sha256').update(token, 'utf8').digest('hex')}`;
}

type StoredToken = { token: ApiToken; digest: Buffer };

/**
 * Finds the configured token a presented bearer token hashes to. Every configured hash is compared,
 * in constant time, so the answer's timing says nothing about which one (or how much of one) matched.
 */
export function createTokenVerifier(tokens: ApiToken[]): (presented: string) => ApiToken | null {
  const stored: StoredToken[] = tokens.map((token) => ({
    token,
    digest: Buffer.from(token.hash.slice('sha256:'.length), 'hex'),
  }));
  return (presented) => {
    const digest = createHash('sha256').update(presented, 'utf8').digest();
    let match: ApiToken | null = null;
    for (const candidate of stored) {
      if (timingSafeEqual(candidate.digest, digest) && match === null) match = candidate.token;
    }
    return match;
  };
}

export function tokenGrants(token: ApiToken, scope: ApiTokenScope): boolean {
  return token.scopes.includes('admin') || token.scopes.includes(scope);
}

/** The token the route takes in a place of its own (header, query parameter), else the bearer token. */
function presentedToken(request: FastifyRequest): string | null {
  return tokenInRoutePlace(request) ?? bearerToken(request);
}

function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const [scheme, value] = header.split(' ', 2);
  if (scheme?.toLowerCase() !== 'bearer' || value === undefined || value === '') return null;
  return value.trim();
}

function tokenInRoutePlace(request: FastifyRequest): string | null {
  const { tokenHeader, tokenQuery } = request.routeOptions.config;
  const value =
    tokenHeader !== undefined
      ? request.headers[tokenHeader]
      : tokenQuery !== undefined
        ? (request.query as Record<string, unknown> | undefined)?.[tokenQuery]
        : undefined;
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/** onRequest hook enforcing `scope` on a request; answers 401/403 without echoing what was presented. */
function createScopeCheck(tokens: ApiToken[]) {
  const verify = createTokenVerifier(tokens);
  return async (
    scope: ApiTokenScope,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply | undefined> => {
    const presented = presentedToken(request);
    if (presented === null) {
      reply.header('www-authenticate', REALM);
      return sendError(reply, 401, 'a bearer token is required (Authorization: Bearer <token>)');
    }
    const token = verify(presented);
    if (token === null) return checkOther(presented, request, reply);
    if (!tokenGrants(token, scope)) {
      reply.header('www-authenticate', `${REALM}, error="insufficient_scope", scope="${scope}"`);
      // The token's name is for the operator's log, not for whoever holds the token.
      request.log.info({ token: token.name, scope, url: request.routeOptions.url }, 'token lacks the scope');
      return sendError(reply, 403, `this token lacks the ${scope} scope`);
    }
    request.log.debug({ token: token.name, scope }, 'authorized');
    return undefined;
  };
}

/** A token that is none of hopwatch's: the route's `verifyOther` may take it (see FastifyContextConfig). */
async function checkOther(
  presented: string,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply | undefined> {
  const verdict = (await request.routeOptions.config.verifyOther?.(presented)) ?? 'invalid';
  if (verdict === 'valid') {
    request.log.debug({ url: request.routeOptions.url }, 'authorized by a credential another party issued');
    return undefined;
  }
  if (verdict === 'unavailable') {
    request.log.warn({ url: request.routeOptions.url }, 'the keys to check a token could not be fetched');
    reply.header('retry-after', '10');
    return sendError(reply, 503, 'the keys to check this token cannot be fetched now: retry later');
  }
  reply.header('www-authenticate', `${REALM}, error="invalid_token"`);
  return sendError(reply, 401, 'the bearer token is not valid');
}

/**
 * Enforces the `scope` each route declares in its config. With no tokens configured every route is
 * open, which `checkExposure` only allows on a loopback address.
 */
export function installAuth(app: FastifyInstance, tokens: ApiToken[]): void {
  if (tokens.length === 0) return;
  const check = createScopeCheck(tokens);
  app.addHook('onRequest', async (request, reply) => {
    const scope = request.routeOptions.config.scope;
    if (scope !== undefined) return check(scope, request, reply);
  });
}

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '::ffff:127.0.0.1';
}

/** Without tokens the API is open, so it may only listen where nothing but this machine reaches it. */
export function checkExposure(config: ApiConfig): { ok: true } | { ok: false; reason: string } {
  if (config.tokens.length > 0 || isLoopbackHost(config.host)) return { ok: true };
  return {
    ok: false,
    reason:
      `config field api.host: ${config.host} is not a loopback address and api.tokens is empty; ` +
      'add tokens (hopwatch token) or listen on 127.0.0.1',
  };
}
