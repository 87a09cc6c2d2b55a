import type { HopEvent } from '../../schemas/hop-event.js';
import { callerSpanOf, jwtClaims } from './identity.js';

/**
 * An Istio sidecar's inbound access log in JSON (Istio's keys) with the fields hopwatch's
 * recommended json_format adds: `traceparent`, the jwt_authn payload, the peer SAN, the agent header
 * and the MCP headers. Like a real gateway log it names only the caller's span, not the hop's own,
 * so lineage has to infer parenthood from workloads and timing.
 */
export function envoyRecord(hop: HopEvent): string {
  return JSON.stringify(inboundFields(hop));
}

/**
 * Istio's default: every in-mesh call logged by both sidecars. The callee's inbound record (above)
 * and, when the caller is a mesh workload, the caller's outbound one: started a moment earlier and
 * ended a moment later, naming the upstream cluster but neither the caller (plain text from the app
 * to its own sidecar) nor the token's claims (jwt_authn runs on the callee's side). The inbound
 * record comes first, as it does in a log pipeline: it ends first.
 */
export function istioRecords(hop: HopEvent): string[] {
  const inbound = inboundFields(hop);
  if (!hop.source.workload?.startsWith('spiffe://')) return [JSON.stringify(inbound)];
  const outbound = {
    ...inbound,
    jwt_payload: undefined,
    start_time: new Date(hop.ts - 1).toISOString(),
    duration: (hop.durationMs ?? 0) + 2,
    upstream_cluster: `outbound|8080||${clusterHost(hop.destination.host ?? hop.destination.service)}`,
    downstream_peer_uri_san: null,
    x_forwarded_for: null,
    downstream_remote_address: `${hop.source.ip ?? '127.0.0.6'}:40112`,
  };
  return [JSON.stringify(inbound), JSON.stringify(outbound)];
}

function clusterHost(service: string): string {
  return service.includes('.') ? service : `${service}.default.svc.cluster.local`;
}

function inboundFields(hop: HopEvent): Record<string, unknown> {
  const { destination } = hop;
  const record: Record<string, unknown> = {
    start_time: new Date(hop.ts).toISOString(),
    method: destination.method,
    path: destination.path,
    protocol: destination.protocol === 'grpc' ? 'HTTP/2' : 'HTTP/1.1',
    response_code: hop.status,
    response_flags: '-',
    bytes_received: hop.bytesIn ?? 0,
    bytes_sent: hop.bytesOut ?? 0,
    duration: hop.durationMs ?? 0,
    upstream_service_time: String(Math.max(0, (hop.durationMs ?? 1) - 1)),
    x_forwarded_for: hop.source.ip ?? null,
    user_agent: hop.source.agent === undefined ? 'Go-http-client/1.1' : `hopwatch-agent/${hop.source.agent}`,
    request_id: hop.requestId ?? hop.id,
    authority: `${destination.host ?? destination.service}:8080`,
    upstream_cluster: 'inbound|8080||',
    route_name: destination.route ?? 'default',
    downstream_peer_uri_san: hop.source.workload?.startsWith('spiffe://') ? hop.source.workload : null,
    traceparent: hop.traceId === undefined ? null : `00-${hop.traceId}-${callerSpanOf(hop)}-01`,
  };
  if (hop.credential.kind === 'jwt') record.jwt_payload = jwtClaims(hop);
  if (hop.source.agent !== undefined) record.agent = hop.source.agent;
  if (destination.protocol === 'mcp') {
    record.mcp_method = 'tools/call';
    if (destination.tool !== undefined) record.mcp_name = destination.tool;
  }
  if (destination.protocol === 'grpc') {
    record.content_type = 'application/grpc';
    record.grpc_status = hop.status < 400 ? '0' : '13';
  }
  return record;
}
