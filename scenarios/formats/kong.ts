import type { HopEvent } from '../../schemas/hop-event.js';
import { callerSpanOf, renderedCredentialId, syntheticJwt } from './identity.js';

/**
 * A Kong http-log entry. Kong logs request headers, so a JWT caller's (synthetic test) token is in
 * `authorization`; key-auth and mtls-auth callers appear as their Consumer, the key itself hidden
 * (`hide_credentials`). Trace context is the B3 single header of Kong's Zipkin plugin, which names
 * the hop's own span and its parent.
 */
export function kongRecord(hop: HopEvent): string {
  return JSON.stringify(kongEntry(hop));
}

/**
 * What Kong logs by default for an internal call: no header names the calling agent, and the trace
 * context is the `traceparent` the caller sent (its own span), not a span of the hop. Lineage has to
 * find the caller in the token (RFC 8693 `act`) or the parent by timing alone.
 */
export function callerlessKongRecord(hop: HopEvent): string {
  const entry = kongEntry(hop);
  const headers = entry.request.headers;
  delete headers['x-agent-id'];
  delete headers.b3;
  headers['user-agent'] = 'python-httpx/0.27.0';
  if (hop.traceId !== undefined) headers.traceparent = `00-${hop.traceId}-${callerSpanOf(hop)}-01`;
  return JSON.stringify(entry);
}

function kongEntry(hop: HopEvent) {
  const { destination } = hop;
  const headers: Record<string, string> = {
    host: destination.host ?? destination.service,
    'user-agent':
      hop.source.agent === undefined ? 'Go-http-client/1.1' : `hopwatch-agent/${hop.source.agent}`,
    'x-request-id': hop.requestId ?? hop.id,
  };
  if (hop.traceId !== undefined && hop.spanId !== undefined) {
    headers.b3 = `${hop.traceId}-${hop.spanId}-1${hop.parentSpanId === undefined ? '' : `-${hop.parentSpanId}`}`;
  }
  if (hop.credential.kind === 'jwt') headers.authorization = `Bearer ${syntheticJwt(hop)}`;
  if (hop.source.agent !== undefined) headers['x-agent-id'] = hop.source.agent;
  if (destination.protocol === 'mcp') {
    headers['mcp-method'] = 'tools/call';
    if (destination.tool !== undefined) headers['mcp-name'] = destination.tool;
  }
  if (destination.protocol === 'grpc') headers['content-type'] = 'application/grpc';
  const duration = hop.durationMs ?? 0;
  const entry = {
    started_at: hop.ts,
    client_ip: hop.source.ip ?? '10.0.0.1',
    upstream_uri: destination.path,
    request: {
      id: (hop.requestId ?? hop.id).replaceAll('-', ''),
      method: destination.method,
      uri: destination.path,
      size: hop.bytesIn ?? 0,
      querystring: {},
      headers,
    },
    response: {
      status: hop.status,
      size: hop.bytesOut ?? 0,
      headers: { 'content-length': String(hop.bytesOut ?? 0) },
    },
    latencies: { request: duration, kong: Math.min(2, duration), proxy: Math.max(0, duration - 2) },
    service: {
      name: destination.service,
      host: destination.host ?? destination.service,
      port: 8080,
      protocol: 'http',
    },
    route: { name: destination.route ?? destination.service },
    consumer: undefined as { username: string; id: string } | undefined,
  };
  if (hop.credential.kind !== 'jwt') {
    const consumer = renderedCredentialId('kong', hop.credential)?.slice('kong-consumer:'.length);
    if (consumer !== undefined) entry.consumer = { username: consumer, id: consumerUuid(consumer) };
  }
  return entry;
}

function consumerUuid(name: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i += 1) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  const hex = (hash >>> 0).toString(16).padStart(8, '0');
  return `${hex}-0000-4000-8000-${hex}${hex.slice(0, 4)}`;
}
