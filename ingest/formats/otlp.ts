import { type Credential, credentialOf, type HopEvent } from '../../schemas/hop-event.js';
import type { IdentityEvidence } from '../identity/credential.js';
import { noHeaders, type RequestHeaders } from './headers.js';
import { draftToHop, type HopDraft, type RecordKey } from './hop.js';
import {
  type Attributes,
  decodeAttributes,
  firstStringAttribute,
  numberAttribute,
  stringAttribute,
} from './otlp-attributes.js';
import { nanosDiffMs, nanosToMs } from './time.js';
import {
  type AdapterContext,
  type AdapterResult,
  type FormatAdapter,
  type ParsedRecord,
  reject,
} from './types.js';
import { isObject, type JsonObject, text, timeValue } from './values.js';

const maxSpansPerRecord = 100_000;
const spanKinds = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const serverKind = 2;
const clientKind = 3;
const producerKind = 4;
const consumerKind = 5;
const kindPrefix = 'SPAN_KIND_';

/** Current HTTP/RPC/GenAI/MCP semantic-convention keys first, older spellings after. */
const keys = {
  method: ['http.request.method', 'http.method'],
  target: ['url.path', 'http.target'],
  url: ['url.full', 'http.url'],
  status: ['http.response.status_code', 'http.status_code'],
  host: ['server.address', 'net.peer.name', 'http.host'],
  peer: ['peer.service', 'server.address', 'net.peer.name'],
  system: [
    'db.system.name',
    'db.system',
    'gen_ai.provider.name',
    'gen_ai.system',
    'messaging.system',
    'rpc.service',
  ],
  clientIp: ['client.address', 'net.sock.peer.addr', 'net.peer.ip'],
  endUser: ['enduser.id', 'user.id'],
  agent: ['gen_ai.agent.name', 'gen_ai.agent.id'],
  otherMethod: ['rpc.method', 'gen_ai.operation.name'],
  bytesIn: ['http.request.body.size', 'http.request_content_length'],
  bytesOut: ['http.response.body.size', 'http.response_content_length'],
} as const;

function kindOf(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return 0;
  const index = spanKinds.indexOf(value.startsWith(kindPrefix) ? value.slice(kindPrefix.length) : value);
  return Math.max(index, 0);
}

function urlParts(url: string | undefined): { host?: string; path?: string } {
  if (url === undefined) return {};
  const scheme = url.indexOf('://');
  if (scheme < 0) return { path: url };
  const slash = url.indexOf('/', scheme + 3);
  return slash < 0
    ? { host: url.slice(scheme + 3) }
    : { host: url.slice(scheme + 3, slash), path: url.slice(slash) };
}

function hasA2aAttribute(attributes: Attributes): boolean {
  for (const key of attributes.keys()) if (key.startsWith('a2a.')) return true;
  return stringAttribute(attributes, 'rpc.system') === 'a2a';
}

/**
 * MCP, A2A and gRPC as the attributes state them; plain HTTP spans are left to the shared path rules
 * (an HTTP POST to `/mcp` is MCP, as it is in gateway logs), and spans without HTTP are `other`.
 */
function protocolOf(attributes: Attributes, invokesRemoteAgent: boolean, httpMethod: string | undefined) {
  if (stringAttribute(attributes, 'mcp.method.name') !== undefined) return 'mcp';
  if (invokesRemoteAgent || hasA2aAttribute(attributes)) return 'a2a';
  if (stringAttribute(attributes, 'rpc.system') === 'grpc') return 'grpc';
  return httpMethod === undefined ? 'other' : undefined;
}

/** Attributes that say a span is a call to something else: HTTP, RPC, a database, a queue, a model or tool, MCP. */
const callAttributePrefixes = ['http.', 'url.', 'rpc.', 'db.', 'messaging.', 'gen_ai.', 'mcp.'];

/**
 * Work inside one process: an internal (or unspecified) span that no attribute describes as a call,
 * as instrumentation makes for functions, chain steps and in-memory work. Counted as calls, the
 * eighty steps of one request raised a fan-out finding.
 */
function inProcess(attributes: Attributes, kind: number): boolean {
  if (kind >= serverKind) return false;
  for (const key of attributes.keys()) {
    if (callAttributePrefixes.some((prefix) => key.startsWith(prefix))) return false;
  }
  return true;
}

/** The callee of an outgoing span: the named peer, the URL's host, the remote agent, or the system called. */
function calleeService(attributes: Attributes, invokesRemoteAgent: boolean, urlHost: string | undefined) {
  return (
    firstStringAttribute(attributes, keys.peer) ??
    urlHost ??
    (invokesRemoteAgent ? firstStringAttribute(attributes, keys.agent) : undefined) ??
    firstStringAttribute(attributes, keys.system)
  );
}

function scopesOf(attributes: Attributes): string[] {
  const scope = stringAttribute(attributes, 'enduser.scope');
  return scope === undefined ? [] : scope.split(' ').filter((entry) => entry.length > 0);
}

/** Which side of a call the span is on, and which agent (if any) is the caller. */
type SpanRole = { incoming: boolean; outgoing: boolean; invokesRemoteAgent: boolean; callerAgent?: string };

function spanRole(attributes: Attributes, kind: number): SpanRole {
  const incoming = kind === serverKind || kind === consumerKind;
  const outgoing = kind === clientKind || kind === producerKind;
  const invokesRemoteAgent =
    kind === clientKind && stringAttribute(attributes, 'gen_ai.operation.name') === 'invoke_agent';
  // On an incoming span, or a call to a remote agent, gen_ai.agent.* names the callee, not the caller.
  const callerAgent =
    incoming || invokesRemoteAgent ? undefined : firstStringAttribute(attributes, keys.agent);
  return { incoming, outgoing, invokesRemoteAgent, callerAgent };
}

/**
 * Who makes the call when no header says it: the end user if the span names one; otherwise, for
 * outgoing and internal spans, the acting agent or the span's own service. An incoming span does
 * not know its caller (its parent span does), so it gets no fallback.
 */
function spanIdentity(
  attributes: Attributes,
  serviceName: string | undefined,
  role: SpanRole,
  ip: string | undefined,
): IdentityEvidence {
  const endUser = firstStringAttribute(attributes, keys.endUser);
  const authenticated: Credential | undefined =
    endUser === undefined
      ? undefined
      : credentialOf(`enduser:${endUser}`, 'unknown', { subject: endUser, scopes: scopesOf(attributes) });
  let fallback: Credential | undefined;
  if (role.callerAgent !== undefined) {
    fallback = credentialOf(`agent:${role.callerAgent}`, 'service_account', { subject: role.callerAgent });
  } else if (!role.incoming && serviceName !== undefined) {
    fallback = credentialOf(`service:${serviceName}`, 'service_account', { subject: serviceName });
  }
  return { authenticated, fallback, ip };
}

function statusFromSpan(status: unknown): number {
  const code = isObject(status) ? status.code : undefined;
  return code === 2 || code === 'STATUS_CODE_ERROR' ? 500 : 200;
}

type SpanTiming = { ts: number; durationMs?: number };

function spanTiming(span: JsonObject): SpanTiming | string {
  const start = timeValue(span.startTimeUnixNano);
  if (start === undefined) return 'startTimeUnixNano is missing';
  const ts = nanosToMs(start);
  if (Number.isNaN(ts)) return 'startTimeUnixNano is not an integer count of nanoseconds';
  const end = timeValue(span.endTimeUnixNano);
  return end === undefined ? { ts } : { ts, durationMs: nanosDiffMs(start, end) };
}

/** Attributes that carry what request headers carry in gateway logs (captured headers, MCP method, agent). */
function spanHeaders(attributes: Attributes, role: SpanRole): RequestHeaders {
  const headers = noHeaders();
  headers.authorization = stringAttribute(attributes, 'http.request.header.authorization');
  headers.apiKey = stringAttribute(attributes, 'http.request.header.x-api-key');
  headers.onBehalfOf = stringAttribute(attributes, 'http.request.header.x-on-behalf-of');
  headers.agent = role.callerAgent;
  headers.mcpMethod = stringAttribute(attributes, 'mcp.method.name');
  headers.mcpSession = stringAttribute(attributes, 'mcp.session.id');
  return headers;
}

function spanDraft(span: JsonObject, serviceName: string | undefined): HopDraft | string {
  const traceId = text(span.traceId)?.toLowerCase();
  if (traceId === undefined) return 'traceId is missing';
  const spanId = text(span.spanId)?.toLowerCase();
  if (spanId === undefined) return 'spanId is missing';
  const timing = spanTiming(span);
  if (typeof timing === 'string') return timing;
  const attributes = decodeAttributes(span.attributes);
  const kind = kindOf(span.kind);
  const role = spanRole(attributes, kind);
  const headers = spanHeaders(attributes, role);
  const httpMethod = firstStringAttribute(attributes, keys.method);
  const url = urlParts(firstStringAttribute(attributes, keys.url));
  const ip = role.incoming ? firstStringAttribute(attributes, keys.clientIp) : undefined;
  return {
    ts: timing.ts,
    durationMs: timing.durationMs,
    method:
      httpMethod ??
      headers.mcpMethod ??
      firstStringAttribute(attributes, keys.otherMethod) ??
      text(span.name),
    target: firstStringAttribute(attributes, keys.target) ?? url.path,
    authority: firstStringAttribute(attributes, keys.host) ?? url.host,
    service: role.outgoing ? calleeService(attributes, role.invokesRemoteAgent, url.host) : serviceName,
    route: stringAttribute(attributes, 'http.route'),
    status: numberAttribute(attributes, keys.status) ?? statusFromSpan(span.status),
    grpcStatus: stringAttribute(attributes, 'rpc.grpc.status_code'),
    protocol: inProcess(attributes, kind)
      ? 'in_process'
      : protocolOf(attributes, role.invokesRemoteAgent, httpMethod),
    tool: stringAttribute(attributes, 'gen_ai.tool.name'),
    hopId: `${traceId}:${spanId}`,
    traceId,
    spanId,
    parentSpanId: text(span.parentSpanId)?.toLowerCase(),
    headers,
    header: (name) =>
      stringAttribute(attributes, `http.request.header.${name}`) ??
      (name === 'user-agent' ? stringAttribute(attributes, 'user_agent.original') : undefined),
    identity: spanIdentity(attributes, serviceName, role, ip),
    workload: role.outgoing ? serviceName : undefined,
    ip,
    bytesIn: numberAttribute(attributes, keys.bytesIn),
    bytesOut: numberAttribute(attributes, keys.bytesOut),
  };
}

type SpanBatch = { spans: unknown[]; serviceName?: string; path: string };

/** The span lists of an export, each with its resource's service name; malformed levels are skipped. */
function spanBatches(resourceSpans: unknown[]): SpanBatch[] {
  const batches: SpanBatch[] = [];
  for (let r = 0; r < resourceSpans.length; r++) {
    const entry = resourceSpans[r];
    if (!isObject(entry)) continue;
    const resource = isObject(entry.resource) ? decodeAttributes(entry.resource.attributes) : undefined;
    const serviceName = resource === undefined ? undefined : stringAttribute(resource, 'service.name');
    const scopes = entry.scopeSpans ?? entry.instrumentationLibrarySpans;
    if (!Array.isArray(scopes)) continue;
    for (let s = 0; s < scopes.length; s++) {
      const scope = scopes[s];
      if (isObject(scope) && Array.isArray(scope.spans)) {
        batches.push({ spans: scope.spans, serviceName, path: `resourceSpans[${r}].scopeSpans[${s}]` });
      }
    }
  }
  return batches;
}

/** How many spans an OTLP/JSON export holds, counted as the adapter walks it (legacy levels included). */
export function spanCount(value: unknown): number {
  if (!isObject(value) || !Array.isArray(value.resourceSpans)) return 0;
  let count = 0;
  for (const batch of spanBatches(value.resourceSpans)) count += batch.spans.length;
  return count;
}

function toHopEvents(record: ParsedRecord, context: AdapterContext): AdapterResult {
  if (record.kind !== 'json' || !isObject(record.value) || !Array.isArray(record.value.resourceSpans)) {
    return reject('otlp: an OTLP/JSON trace export needs a resourceSpans array');
  }
  const key: RecordKey = { raw: record.raw };
  const events: HopEvent[] = [];
  for (const batch of spanBatches(record.value.resourceSpans)) {
    if (events.length + batch.spans.length > maxSpansPerRecord) {
      return reject(`otlp: more than ${maxSpansPerRecord} spans in one record`);
    }
    for (let index = 0; index < batch.spans.length; index++) {
      const span = batch.spans[index];
      const draft = isObject(span) ? spanDraft(span, batch.serviceName) : 'a span must be a JSON object';
      if (typeof draft === 'string') return reject(`otlp: ${batch.path}.spans[${index}]: ${draft}`);
      events.push(draftToHop(draft, context, key));
    }
  }
  return { ok: true, events };
}

/** OTLP/JSON trace exports (`resourceSpans[].scopeSpans[].spans[]`): one hop per span. */
export const otlp: FormatAdapter = {
  name: 'otlp',
  signature: 'a JSON object with `resourceSpans` (an OTLP/JSON trace export)',
  detect: (record) => record.kind === 'json' && isObject(record.value) && 'resourceSpans' in record.value,
  toHopEvents,
};
