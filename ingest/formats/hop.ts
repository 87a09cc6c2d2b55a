import { hash } from 'node:crypto';
import type { HopDestination, HopEvent, Protocol } from '../../schemas/hop-event.js';
import { type IdentityEvidence, resolveIdentity } from '../identity/credential.js';
import { traceContextFromHeaders } from '../identity/trace-context.js';
import { type HeaderLookup, hintedCaller } from './caller-hint.js';
import type { RequestHeaders } from './headers.js';
import { detectProtocol, httpLikeStatus } from './protocol.js';
import { type AdapterContext, type AdapterResult, type ParsedRecord, reject } from './types.js';
import { hostOnly, isObject, type JsonObject, pathOnly } from './values.js';

/**
 * The fields an adapter reads out of one record, before the shared rules (identity, trace context,
 * protocol, ids) turn them into a HopEvent. Adapters fill what their format has and nothing else.
 */
export type HopDraft = {
  ts: number;
  durationMs?: number;
  method?: string;
  /** Request target as logged; the query string is cut off here, since it may hold keys. */
  target?: string;
  /** Host header / :authority. */
  authority?: string;
  /** Destination service when the log names it; the authority's host otherwise. */
  service?: string;
  route?: string;
  status?: number;
  grpcStatus?: string;
  protocol?: Protocol;
  tool?: string;
  requestId?: string;
  /** See HopEvent.observer. */
  observer?: string;
  /** An id unique to this hop in this format (Kong/NGINX request id, OTLP span); else the raw line is hashed. */
  hopId?: string;
  headers?: RequestHeaders;
  /** Span ids the record states directly (OTLP, Traefik); they override what headers say. */
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  /** Identity evidence beyond the headers (verified claims, peer certificate, consumer, address). */
  identity: IdentityEvidence;
  workload?: string;
  ip?: string;
  bytesIn?: number;
  bytesOut?: number;
  /** Any request header the record kept, as this format spells it (for the configured caller hint). */
  header?: HeaderLookup;
};

const unknownService = 'unknown';
const unknownMethod = 'UNKNOWN';
const mcpToolCall = 'tools/call';

/** The raw record a hop came from, with its hash computed at most once (batches share it). */
export type RecordKey = { raw: string; hash?: string };

/** A stable id for a record without one of its own: the same line always gets the same id. */
function recordHash(key: RecordKey): string {
  key.hash ??= hash('sha256', key.raw, 'hex').slice(0, 16);
  return key.hash;
}

function hopId(draft: HopDraft, format: string, key: RecordKey, index: number | undefined): string {
  if (draft.hopId !== undefined) return `${format}:${draft.hopId}`;
  return index === undefined ? `${format}:${recordHash(key)}` : `${format}:${recordHash(key)}#${index}`;
}

function destinationOf(draft: HopDraft): HopDestination {
  const path = draft.target === undefined ? '' : pathOnly(draft.target);
  const mcpMethod = draft.headers?.mcpMethod;
  const tool = draft.tool ?? (mcpMethod === mcpToolCall ? draft.headers?.mcpName : undefined);
  return {
    service: draft.service ?? (draft.authority === undefined ? unknownService : hostOnly(draft.authority)),
    host: draft.authority,
    method: draft.method ?? unknownMethod,
    path,
    route: draft.route,
    tool,
    protocol: detectProtocol({
      explicit: draft.protocol,
      method: draft.method,
      path,
      contentType: draft.headers?.contentType,
      grpcStatus: draft.grpcStatus,
      mcpMethod,
      tool,
    }),
  };
}

/** A negative duration or size is not a measure (a log's placeholder): it is left out. */
const measured = (value: number | undefined): number | undefined =>
  value !== undefined && value >= 0 ? value : undefined;

/** The draft's identity evidence with what its headers carry, in one fixed shape (hot path). */
function evidenceOf({ headers, identity }: HopDraft): IdentityEvidence {
  return {
    jwtClaims: identity.jwtClaims,
    authorization: headers?.authorization,
    apiKey: headers?.apiKey ?? identity.apiKey,
    authenticated: identity.authenticated,
    peerUriSans: identity.peerUriSans,
    forwardedClientCert: identity.forwardedClientCert,
    clientCertSubject: identity.clientCertSubject,
    userName: identity.userName,
    onBehalfOf: headers?.onBehalfOf,
    fallback: identity.fallback,
    ip: identity.ip,
  };
}

/** Turns a draft into the canonical hop; `index` tells the hops of one batched record apart. */
export function draftToHop(
  draft: HopDraft,
  context: AdapterContext,
  key: RecordKey,
  index?: number,
): HopEvent {
  const identity = resolveIdentity(evidenceOf(draft));
  context.onDraft?.(draft, identity);
  const { credential, delegation, spiffeId, actor } = identity;
  const fromHeaders = draft.headers === undefined ? undefined : traceContextFromHeaders(draft.headers);
  const agent = draft.headers?.agent;
  // The token's current actor names the caller when nothing closer to the wire does.
  const workload =
    spiffeId ?? draft.workload ?? agent ?? actor ?? hintedCaller(draft.header, context.callerHint);
  // Every key present, in the schema's order, undefined when the record has no value for it: all hops
  // share one shape, so the code that reads them downstream stays monomorphic.
  return {
    id: hopId(draft, context.origin.format, key, index),
    ts: draft.ts,
    durationMs: measured(draft.durationMs),
    traceId: draft.traceId ?? fromHeaders?.traceId,
    spanId: draft.spanId ?? fromHeaders?.spanId,
    parentSpanId: draft.parentSpanId ?? fromHeaders?.parentSpanId,
    requestId: draft.requestId,
    observer: draft.observer,
    sessionId: draft.headers?.mcpSession,
    credential,
    delegation: delegation || undefined,
    source: { workload, agent, ip: draft.ip },
    destination: destinationOf(draft),
    status: httpLikeStatus(draft.status, draft.grpcStatus),
    rawStatus: draft.grpcStatus,
    bytesIn: measured(draft.bytesIn),
    bytesOut: measured(draft.bytesOut),
    origin: context.origin,
    observedAs: undefined,
  };
}

/**
 * The one hop of a format whose record is one JSON object (Traefik's, API Gateway's): `draftOf` reads
 * it, or says what is missing; `record` names the format's record in the reason for anything else.
 */
export function singleJsonHop(
  record: ParsedRecord,
  context: AdapterContext,
  format: { name: string; record: string },
  draftOf: (value: JsonObject) => HopDraft | string,
): AdapterResult {
  if (record.kind !== 'json' || !isObject(record.value))
    return reject(`${format.record} must be a JSON object`);
  const draft = draftOf(record.value);
  if (typeof draft === 'string') return reject(`${format.name}: ${draft}`);
  return { ok: true, events: [draftToHop(draft, context, { raw: record.raw })] };
}
