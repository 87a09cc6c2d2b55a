import { callerSpanOf, syntheticJwt } from '../scenarios/formats/identity.js';
import type { HopEvent } from '../schemas/hop-event.js';

/**
 * Renderers for the three gateway formats `hopwatch generate` does not write (NGINX JSON, Traefik
 * JSON, Istio's default text line), so that every adapter is measured on the same scenario traffic.
 * Only the bench needs them; the fields are the ones the README's recommended log configs produce.
 */

/** `Authorization` / `X-Api-Key` as the gateway would log them; raw API keys are fingerprinted by the adapter. */
function presented(
  hop: HopEvent,
  apiKeys: ReadonlyMap<string, string>,
): { bearer?: string; apiKey?: string } {
  if (hop.credential.kind === 'jwt') return { bearer: `Bearer ${syntheticJwt(hop)}` };
  const key = apiKeys.get(hop.credential.id);
  return key === undefined ? {} : { apiKey: key };
}

const traceparentOf = (hop: HopEvent): string | undefined =>
  hop.traceId === undefined ? undefined : `00-${hop.traceId}-${callerSpanOf(hop)}-01`;

export function nginxRecord(hop: HopEvent, apiKeys: ReadonlyMap<string, string>): string {
  const { destination } = hop;
  const { bearer, apiKey } = presented(hop, apiKeys);
  return JSON.stringify({
    msec: (hop.ts / 1000).toFixed(3),
    request_id: hop.requestId ?? hop.id,
    remote_addr: hop.source.ip ?? '10.3.0.15',
    x_forwarded_for: hop.source.ip ?? '',
    remote_user: '',
    host: destination.host ?? destination.service,
    request_method: destination.method,
    request_uri: destination.path,
    server_protocol: 'HTTP/1.1',
    status: String(hop.status),
    request_time: ((hop.durationMs ?? 0) / 1000).toFixed(3),
    request_length: String(hop.bytesIn ?? 0),
    bytes_sent: String(hop.bytesOut ?? 0),
    upstream_addr: '10.3.2.7:8000',
    upstream_status: String(hop.status),
    proxy_host: destination.service,
    content_type: 'application/json',
    traceparent: traceparentOf(hop) ?? '',
    authorization: bearer ?? '',
    x_api_key: apiKey ?? '',
    agent: hop.source.agent ?? '',
    mcp_method: destination.protocol === 'mcp' ? 'tools/call' : '',
    mcp_name: destination.tool ?? '',
  });
}

export function traefikRecord(hop: HopEvent, apiKeys: ReadonlyMap<string, string>): string {
  const { destination } = hop;
  const { bearer, apiKey } = presented(hop, apiKeys);
  const record: Record<string, unknown> = {
    ClientAddr: `${hop.source.ip ?? '10.4.0.31'}:50122`,
    ClientHost: hop.source.ip ?? '10.4.0.31',
    ClientUsername: '-',
    DownstreamContentSize: hop.bytesOut ?? 0,
    DownstreamStatus: hop.status,
    Duration: Math.round((hop.durationMs ?? 0) * 1e6),
    OriginStatus: hop.status,
    RequestAddr: destination.host ?? destination.service,
    RequestContentSize: hop.bytesIn ?? 0,
    RequestHost: destination.host ?? destination.service,
    RequestMethod: destination.method,
    RequestPath: destination.path,
    RequestProtocol: 'HTTP/1.1',
    RequestScheme: 'https',
    RouterName: `${destination.route ?? destination.service}@kubernetescrd`,
    ServiceName: `${destination.service}@kubernetescrd`,
    StartUTC: new Date(hop.ts).toISOString(),
    entryPointName: 'websecure',
    level: 'info',
    msg: '',
    'request_X-Request-Id': hop.requestId ?? hop.id,
  };
  const traceparent = traceparentOf(hop);
  if (traceparent !== undefined) record.request_Traceparent = traceparent;
  if (bearer !== undefined) record.request_Authorization = bearer;
  if (apiKey !== undefined) record['request_X-Api-Key'] = apiKey;
  if (hop.source.agent !== undefined) record['request_X-Hopwatch-Agent'] = hop.source.agent;
  if (destination.protocol === 'mcp') {
    record['request_Mcp-Method'] = 'tools/call';
    if (destination.tool !== undefined) record['request_Mcp-Name'] = destination.tool;
  }
  return JSON.stringify(record);
}

/** Istio's default text format (the inbound sidecar's line); it names no credential, as in real meshes. */
export function istioTextRecord(hop: HopEvent): string {
  const { destination } = hop;
  const authority = destination.host ?? destination.service;
  const ip = hop.source.ip ?? '10.8.1.22';
  return [
    `[${new Date(hop.ts).toISOString()}]`,
    `"${destination.method} ${destination.path} HTTP/1.1"`,
    hop.status,
    '-',
    'via_upstream',
    '-',
    '"-"',
    hop.bytesIn ?? 0,
    hop.bytesOut ?? 0,
    Math.round(hop.durationMs ?? 0),
    Math.max(0, Math.round(hop.durationMs ?? 1) - 1),
    `"${ip}"`,
    `"hopwatch-agent/${hop.source.agent ?? 'none'}"`,
    `"${hop.requestId ?? hop.id}"`,
    `"${authority}:8080"`,
    '"10.8.3.14:8080"',
    `inbound|8080||${destination.service}.svc.cluster.local`,
    '127.0.0.6:51331',
    '10.8.3.14:8080',
    `${ip}:51544`,
    `outbound_.8080_._.${authority}`,
    destination.route ?? 'default',
  ].join(' ');
}
