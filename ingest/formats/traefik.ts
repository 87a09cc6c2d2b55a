import { canonicalCase, type HeaderKeys, headerReader } from './headers.js';
import { type HopDraft, singleJsonHop } from './hop.js';
import { isoToMs } from './time.js';
import type { FormatAdapter } from './types.js';
import { isObject, type JsonObject, numeric, text } from './values.js';

/** Request headers appear as `request_<Canonical-Header-Name>` when `accessLog.fields.headers` keeps them. */
const headerKeys: HeaderKeys = {
  traceparent: ['request_Traceparent'],
  b3: ['request_B3'],
  b3TraceId: ['request_X-B3-Traceid'],
  b3SpanId: ['request_X-B3-Spanid'],
  b3ParentSpanId: ['request_X-B3-Parentspanid'],
  authorization: ['request_Authorization'],
  apiKey: ['request_X-Api-Key'],
  agent: ['request_X-Hopwatch-Agent', 'request_X-Agent-Id'],
  onBehalfOf: ['request_X-On-Behalf-Of'],
  mcpMethod: ['request_Mcp-Method'],
  mcpName: ['request_Mcp-Name'],
  mcpSession: ['request_Mcp-Session-Id'],
  contentType: ['request_Content-Type'],
};
const readHeaders = headerReader(headerKeys);

/** `ServiceURL` is a Go url.URL object in v2 and a string in v3; either way its host is wanted. */
function serviceUrlHost(value: unknown): string | undefined {
  if (isObject(value)) return text(value.Host);
  const url = text(value);
  if (url === undefined) return undefined;
  const scheme = url.indexOf('://');
  const rest = scheme < 0 ? url : url.slice(scheme + 3);
  const slash = rest.indexOf('/');
  return slash < 0 ? rest : rest.slice(0, slash);
}

/** `name@provider`: the provider suffix is Traefik's bookkeeping, not part of the service's name. */
function withoutProvider(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const at = name.lastIndexOf('@');
  return at > 0 ? name.slice(0, at) : name;
}

function traefikDraft(record: JsonObject): HopDraft | string {
  const start = text(record.StartUTC) ?? text(record.StartLocal);
  if (start === undefined) return 'StartUTC is missing';
  const ts = isoToMs(start);
  if (Number.isNaN(ts)) return 'StartUTC is not an RFC 3339 time';
  const durationNs = numeric(record.Duration);
  const ip = text(record.ClientHost);
  const spanId = text(record.SpanId)?.toLowerCase();
  return {
    ts,
    durationMs: durationNs === undefined ? undefined : durationNs / 1e6,
    method: text(record.RequestMethod),
    target: text(record.RequestPath),
    authority: text(record.RequestAddr),
    service:
      withoutProvider(text(record.ServiceName)) ??
      serviceUrlHost(record.ServiceURL) ??
      text(record.RequestHost),
    route: withoutProvider(text(record.RouterName)),
    status: numeric(record.DownstreamStatus),
    grpcStatus: text(record['origin_Grpc-Status']),
    requestId: text(record['request_X-Request-Id']),
    hopId: spanId,
    traceId: text(record.TraceId)?.toLowerCase(),
    spanId,
    headers: readHeaders(record),
    header: (name) => text(record[`request_${canonicalCase(name)}`]),
    identity: { clientCertSubject: text(record.TLSClientSubject), userName: text(record.ClientUsername), ip },
    ip,
    bytesIn: numeric(record.RequestContentSize),
    bytesOut: numeric(record.DownstreamContentSize),
  };
}

const format = { name: 'traefik', record: 'a Traefik access log record' };

/** Traefik's JSON access log (`--accesslog.format=json`). */
export const traefik: FormatAdapter = {
  name: 'traefik',
  signature: 'a JSON object with `StartUTC` (Traefik’s JSON access log)',
  detect: (record) => record.kind === 'json' && isObject(record.value) && 'StartUTC' in record.value,
  toHopEvents: (record, context) => singleJsonHop(record, context, format, traefikDraft),
};
