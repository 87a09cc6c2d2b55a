import type { HopEvent } from '../../schemas/hop-event.js';
import { callerSpanOf, jwtClaims } from './identity.js';

/**
 * An Istio sidecar's inbound access log in JSON (Istio's keys) with the fields hopwatch's
 * recommended json_format adds: `traceparent`, the jwt_authn payload, the peer SAN, the agent header
 * and the MCP headers. Like a real gateway log it names only the caller's span, not the hop's own,
 * so lineage has to infer parenthood from workloads and timing.
 */
export function envoyRecord(hop: HopEvent): string {
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
  return JSON.stringify(record);
}
