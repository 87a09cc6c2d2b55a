import type { HopDraft } from './hop.js';
import { timestampToMs } from './time.js';
import {
  firstForwardedFor,
  firstNumeric,
  firstText,
  hostOnly,
  type JsonObject,
  timeValue,
} from './values.js';

/**
 * Key aliases of Envoy/Istio JSON access logs: Istio's JSON encoding (snake_case), Envoy Gateway's
 * default (header-style keys), and hopwatch's recommended json_format (README), first match wins.
 */
const keys = {
  method: ['method', ':method'],
  path: ['path', 'x-envoy-origin-path', ':path'],
  status: ['response_code'],
  grpcStatus: ['grpc_status', 'grpc-status'],
  bytesIn: ['bytes_received'],
  bytesOut: ['bytes_sent'],
  duration: ['duration'],
  requestId: ['request_id', 'x-request-id'],
  authority: ['authority', ':authority'],
  cluster: ['upstream_cluster'],
  route: ['route_name'],
  forwardedFor: ['x_forwarded_for', 'x-forwarded-for'],
  remoteAddress: ['downstream_remote_address'],
  peerUriSans: ['downstream_peer_uri_san'],
  forwardedClientCert: ['x_forwarded_client_cert', 'x-forwarded-client-cert'],
  contentType: ['content_type', 'content-type'],
  traceparent: ['traceparent'],
  b3: ['b3'],
  b3TraceId: ['x_b3_traceid', 'x-b3-traceid'],
  b3SpanId: ['x_b3_spanid', 'x-b3-spanid'],
  b3ParentSpanId: ['x_b3_parentspanid', 'x-b3-parentspanid'],
  authorization: ['authorization'],
  apiKey: ['x_api_key', 'x-api-key'],
  agent: ['agent', 'x-hopwatch-agent', 'x-agent-id'],
  onBehalfOf: ['on_behalf_of', 'x-on-behalf-of'],
  mcpMethod: ['mcp_method', 'mcp-method'],
  mcpName: ['mcp_name', 'mcp-name'],
} as const;

/** Istio names clusters `direction|port|subset|fqdn`; the fqdn (possibly empty) is the service. */
export function clusterService(cluster: string): string | undefined {
  const bar = cluster.lastIndexOf('|');
  if (bar < 0) return cluster;
  const fqdn = cluster.slice(bar + 1);
  return fqdn.length > 0 ? fqdn : undefined;
}

export function callerIp(forwardedFor: string | undefined, remoteAddress: string | undefined) {
  const client = forwardedFor === undefined ? undefined : firstForwardedFor(forwardedFor);
  if (client !== undefined) return client;
  return remoteAddress === undefined ? undefined : hostOnly(remoteAddress);
}

/** The draft of one Envoy/Istio JSON access-log record, or why it cannot be one. */
export function envoyJsonDraft(record: JsonObject): HopDraft | string {
  const startTime = timeValue(record.start_time);
  if (startTime === undefined) return 'start_time is missing';
  const ts = timestampToMs(startTime);
  if (Number.isNaN(ts)) return 'start_time is not a timestamp';
  const cluster = firstText(record, keys.cluster);
  const draft: HopDraft = {
    ts,
    durationMs: firstNumeric(record, keys.duration),
    method: firstText(record, keys.method),
    target: firstText(record, keys.path),
    authority: firstText(record, keys.authority),
    service: cluster === undefined ? undefined : clusterService(cluster),
    route: firstText(record, keys.route),
    status: firstNumeric(record, keys.status),
    grpcStatus: firstText(record, keys.grpcStatus),
    contentType: firstText(record, keys.contentType),
    mcpMethod: firstText(record, keys.mcpMethod),
    mcpName: firstText(record, keys.mcpName),
    requestId: firstText(record, keys.requestId),
    trace: {
      traceparent: firstText(record, keys.traceparent),
      b3: firstText(record, keys.b3),
      b3TraceId: firstText(record, keys.b3TraceId),
      b3SpanId: firstText(record, keys.b3SpanId),
      b3ParentSpanId: firstText(record, keys.b3ParentSpanId),
    },
    identity: {
      jwtClaims: record.jwt_payload,
      authorization: firstText(record, keys.authorization),
      apiKey: firstText(record, keys.apiKey),
      peerUriSans: firstText(record, keys.peerUriSans),
      forwardedClientCert: firstText(record, keys.forwardedClientCert),
      onBehalfOf: firstText(record, keys.onBehalfOf),
    },
    agent: firstText(record, keys.agent),
    bytesIn: firstNumeric(record, keys.bytesIn),
    bytesOut: firstNumeric(record, keys.bytesOut),
  };
  draft.ip = callerIp(firstText(record, keys.forwardedFor), firstText(record, keys.remoteAddress));
  draft.identity.ip = draft.ip;
  return draft;
}
