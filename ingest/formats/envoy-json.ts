import { type HeaderKeys, headerReader, snakeCase } from './headers.js';
import type { HopDraft } from './hop.js';
import { timestampToMs } from './time.js';
import {
  firstForwardedFor,
  firstNumeric,
  firstText,
  headerText,
  hostOnly,
  type JsonObject,
  statusCode,
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
} as const;

const headerKeys: HeaderKeys = {
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
  mcpSession: ['mcp_session_id', 'mcp-session-id'],
  contentType: ['content_type', 'content-type'],
};
const readHeaders = headerReader(headerKeys);

/**
 * Istio's clusters for destinations outside its registry (an external API under ALLOW_ANY, or one
 * refused under REGISTRY_ONLY), by the side of the call that logs them: they name no service, the
 * authority does.
 */
const unregisteredClusterSides: ReadonlyMap<string, string> = new Map([
  ['PassthroughCluster', 'outbound'],
  ['BlackHoleCluster', 'outbound'],
  ['InboundPassthroughClusterIpv4', 'inbound'],
  ['InboundPassthroughClusterIpv6', 'inbound'],
]);

/** Istio names clusters `direction|port|subset|fqdn`; the fqdn (possibly empty) is the service. */
export function clusterService(cluster: string): string | undefined {
  const bar = cluster.lastIndexOf('|');
  if (bar < 0) return unregisteredClusterSides.has(cluster) ? undefined : cluster;
  const fqdn = cluster.slice(bar + 1);
  return fqdn.length > 0 ? fqdn : undefined;
}

/**
 * The side of the call an Istio sidecar logged it from, by its cluster's direction: `outbound` at the
 * caller's sidecar (and at gateways), `inbound` at the callee's; none for other Envoy clusters.
 */
export function clusterSide(cluster: string | undefined): string | undefined {
  if (cluster === undefined) return undefined;
  const bar = cluster.indexOf('|');
  if (bar < 0) return unregisteredClusterSides.get(cluster);
  const direction = cluster.slice(0, bar);
  return direction === 'outbound' || direction === 'inbound' ? direction : undefined;
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
  const ip = callerIp(firstText(record, keys.forwardedFor), firstText(record, keys.remoteAddress));
  return {
    ts,
    durationMs: firstNumeric(record, keys.duration),
    method: firstText(record, keys.method),
    target: firstText(record, keys.path),
    authority: firstText(record, keys.authority),
    service: cluster === undefined ? undefined : clusterService(cluster),
    route: firstText(record, keys.route),
    status: firstNumeric(record, keys.status),
    grpcStatus: statusCode(record.grpc_status ?? record['grpc-status']),
    requestId: firstText(record, keys.requestId),
    observer: clusterSide(cluster),
    headers: readHeaders(record),
    header: (name) => headerText(record[name]) ?? headerText(record[snakeCase(name)]),
    identity: {
      jwtClaims: record.jwt_payload,
      peerUriSans: firstText(record, keys.peerUriSans),
      forwardedClientCert: firstText(record, keys.forwardedClientCert),
      ip,
    },
    ip,
    bytesIn: firstNumeric(record, keys.bytesIn),
    bytesOut: firstNumeric(record, keys.bytesOut),
  };
}
