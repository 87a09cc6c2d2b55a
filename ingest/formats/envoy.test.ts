import { describe, expect, it } from 'vitest';
import { sampleLines as fixture, hopsOf, sampleNow as now } from '../../test/kits/formats/samples.js';
import { normalizeRecord } from '../normalize.js';
import { clusterSide } from './envoy-json.js';

const hops = (line: string) => hopsOf('envoy', line);

describe('Envoy default text format', () => {
  it('maps the documented example line', () => {
    const [hop] = hops(fixture('envoy-default-text.log')[0]!);
    expect(hop).toMatchObject({
      ts: Date.parse('2016-04-15T20:17:00.310Z'),
      durationMs: 226,
      requestId: 'cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2',
      status: 204,
      bytesIn: 154,
      bytesOut: 0,
      source: { ip: '10.0.35.28' },
      destination: {
        service: 'locations',
        host: 'locations',
        method: 'POST',
        path: '/api/v1/locations',
        protocol: 'http',
      },
      credential: { id: 'anonymous:10.0.35.28', kind: 'unknown' },
    });
  });
});

describe('Istio default text format', () => {
  it('maps both sidecars of one request: the outbound cluster and the inbound authority', () => {
    const [outbound, inbound] = fixture('istio-default-text.log').map((line) => hops(line)[0]!);
    expect(outbound).toMatchObject({
      status: 418,
      durationMs: 4,
      bytesOut: 135,
      requestId: '84961386-6d84-929d-98bd-c5aee93b5c88',
      destination: {
        service: 'httpbin.foo.svc.cluster.local',
        host: 'httpbin:8000',
        route: 'default',
        path: '/status/418',
      },
      source: { ip: '10.44.1.23' },
    });
    // inbound|8000|| names no service, so the authority's host does.
    expect(inbound?.destination.service).toBe('httpbin');
    expect(inbound?.durationMs).toBe(3);
    expect(inbound?.id).not.toBe(outbound?.id);
    // Which side logged each: lineage merges records of one request only across sides.
    expect([outbound?.observer, inbound?.observer]).toEqual(['outbound', 'inbound']);
  });
});

describe('the side of the call a sidecar logged', () => {
  it('is the direction its upstream cluster names, passthrough clusters included', () => {
    const sides = [
      'outbound|8080||orders.shop.svc.cluster.local',
      'PassthroughCluster',
      'inbound|8080||',
      'InboundPassthroughClusterIpv4',
      'httproute/default/backend/rule/0',
      undefined,
    ].map(clusterSide);
    expect(sides).toEqual(['outbound', 'outbound', 'inbound', 'inbound', undefined, undefined]);
  });

  it('names a destination outside the registry by its authority, not by the passthrough cluster', () => {
    const record = (cluster: string, authority: string) =>
      JSON.stringify({
        start_time: '2025-06-01T08:00:00.000Z',
        method: 'POST',
        path: '/v1/chat/completions',
        response_code: 200,
        request_id: 'r1',
        authority,
        upstream_cluster: cluster,
      });
    const services = [
      record('PassthroughCluster', 'api.openai.com'),
      record('PassthroughCluster', 'api.anthropic.com:443'),
      record('InboundPassthroughClusterIpv4', 'billing:8080'),
      record('BlackHoleCluster', 'exfil.example.net'),
    ].map((line) => hops(line)[0]?.destination.service);
    expect(services).toEqual(['api.openai.com', 'api.anthropic.com', 'billing', 'exfil.example.net']);
  });
});

describe('Istio JSON encoding', () => {
  it('maps typed records with null missing values', () => {
    const [ingress, unhealthy, pretty] = fixture('istio-json.ndjson').map((line) => hops(line)[0]!);
    expect(ingress).toMatchObject({
      ts: Date.parse('2021-05-30T18:50:42.181Z'),
      status: 404,
      durationMs: 3,
      requestId: 'a279ad6e-0e1c-98ea-9d74-d6028e2017f8',
      destination: {
        service: 'frontend.online-boutique.svc.cluster.local',
        path: '/wrongpath',
        host: '127.0.0.1',
      },
      source: { ip: '172.17.0.1' },
    });
    expect(ingress?.destination.route).toBeUndefined();
    expect(ingress?.observer).toBe('outbound');
    expect(unhealthy).toMatchObject({
      status: 503,
      durationMs: 0,
      destination: { service: 'envoydummy.chapter11.svc.cluster.local' },
    });
    // x_forwarded_for is null: the downstream address (without port) is the caller.
    expect(unhealthy?.source.ip).toBe('172.17.0.8');
    expect(pretty).toMatchObject({
      status: 404,
      destination: { path: '/abc' },
      requestId: '4ba825ec-7955-9e3d-9dc7-942c38c517f0',
    });
  });
});

describe("hopwatch's recommended json_format", () => {
  const [mcpCall, stringTyped, grpcCall] = fixture('envoy-agents.ndjson').map((line) => hops(line)[0]!);

  it('takes identity from the verified jwt_authn payload, delegation from its act chain, the workload from the SPIFFE SAN', () => {
    expect(mcpCall?.credential).toEqual({
      id: 'jwt:https://idp.acme.internal|alice@acme.com',
      kind: 'jwt',
      subject: 'alice@acme.com',
      issuer: 'https://idp.acme.internal',
      jti: 'tx-7f3a91',
      scopes: ['tickets:read', 'tickets:write'],
    });
    expect(mcpCall?.delegation).toEqual([
      'jwt:https://idp.acme.internal|alice@acme.com',
      'spiffe://acme.internal/ns/agents/sa/planner',
      'spiffe://acme.internal/ns/agents/sa/support-agent',
    ]);
    expect(mcpCall?.source).toEqual({
      workload: 'spiffe://acme.internal/ns/agents/sa/support-agent',
      agent: 'support-agent',
      ip: '10.8.1.22',
    });
  });

  it('puts the caller span of traceparent into parentSpanId and leaves spanId unset', () => {
    expect(mcpCall?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(mcpCall?.parentSpanId).toBe('00f067aa0ba902b7');
    expect(mcpCall?.spanId).toBeUndefined();
  });

  it('recognises an MCP tool call from the Mcp-Method and Mcp-Name headers', () => {
    expect(mcpCall?.destination).toMatchObject({ protocol: 'mcp', tool: 'search_tickets', path: '/mcp' });
  });

  it('reads string-typed values with "-" markers, fingerprints the API key and cuts the query string', () => {
    expect(stringTyped).toMatchObject({ status: 200, durationMs: 14, bytesIn: 0, bytesOut: 2211 });
    expect(stringTyped?.credential).toEqual({ id: 'key:fad057d91ca9c84f', kind: 'api_key', scopes: [] });
    expect(stringTyped?.destination.path).toBe('/v1/tickets/4411');
    expect(stringTyped?.delegation).toEqual(['alice@acme.com', 'key:fad057d91ca9c84f']);
    expect(stringTyped?.destination.tool).toBeUndefined();
  });

  it('tells apart two calls logged in one millisecond by the microseconds of its start_time', () => {
    // Envoy gives a request no id of its own that the caller cannot set: a hop is named by its line.
    const line = fixture('envoy-agents.ndjson')[1]!;
    const at = (startTime: string) => hops(line.replace('"2025-11-20T09:15:02.236Z"', `"${startTime}"`))[0]!;
    const [first, second] = [at('2025-11-20T09:15:02.236104Z'), at('2025-11-20T09:15:02.236871Z')];
    expect(first.ts).toBe(Date.parse('2025-11-20T09:15:02.236Z'));
    expect(second.ts).toBe(first.ts);
    expect(second.id).not.toBe(first.id);
    expect(at('2025-11-20T09:15:02.236Z').id).toBe(at('2025-11-20T09:15:02.236Z').id);
  });

  it('maps a gRPC PermissionDenied behind HTTP 200 to 403, keeping the raw status, with B3 span ids', () => {
    expect(grpcCall).toMatchObject({
      status: 403,
      rawStatus: 'PermissionDenied',
      destination: { protocol: 'grpc', service: 'deployer.platform.svc.cluster.local' },
      traceId: '80f198ee56343ba864fe8b2a57d3eff7',
      spanId: 'e457b5a2e4d86bd1',
      parentSpanId: '05e3ac9a4f6e3b90',
      credential: { id: 'jwt:https://idp.acme.internal|sre-bot', scopes: ['metrics:read', 'deploy:write'] },
      source: { workload: 'spiffe://acme.internal/ns/ops/sa/sre-bot' },
    });
  });
});

describe("Envoy Gateway's default JSON keys", () => {
  it('reads header-style keys and recognises A2A by its path', () => {
    const [message, agentCard] = fixture('envoy-gateway-agents.ndjson').map((line) => hops(line)[0]!);
    expect(message).toMatchObject({
      requestId: 'e2d6c3a1-7b8f-4c5d-9e0a-1f2b3c4d5e6f',
      status: 200,
      durationMs: 341,
      source: { ip: '203.0.113.40', agent: 'research-agent', workload: 'research-agent' },
      destination: {
        host: 'agents.acme.example',
        path: '/a2a/v1',
        protocol: 'a2a',
        service: 'httproute/agents/research-agent/rule/0',
      },
      credential: { id: 'jwt:https://idp.acme.internal|bob@acme.com' },
      parentSpanId: 'b7ad6b7169203331',
    });
    expect(agentCard?.destination.protocol).toBe('a2a');
    expect(agentCard?.credential.id).toBe('anonymous:203.0.113.40');
  });
});

describe('Envoy records that cannot be hops', () => {
  it('rejects a record without start_time, naming the field', () => {
    const result = normalizeRecord('{"response_code":200,"method":"GET"}', { format: 'envoy', now });
    expect(result).toEqual({ ok: false, reason: 'envoy: start_time is missing', format: 'envoy' });
  });

  it('rejects a text line with too few fields', () => {
    const result = normalizeRecord('[2016-04-15T20:17:00.310Z] "GET / HTTP/1.1" 200', {
      format: 'envoy',
      now,
    });
    expect(result.ok).toBe(false);
  });

  it('treats wrongly typed optional fields as missing rather than as values', () => {
    const [hop] = hops(
      JSON.stringify({
        start_time: '2025-11-20T09:15:02.114Z',
        method: ['GET'],
        response_code: 'abc',
        downstream_peer_uri_san: 7,
        upstream_cluster: 42,
        duration: 'fast',
      }),
    );
    expect(hop).toMatchObject({
      status: 0,
      destination: { method: 'UNKNOWN', service: 'unknown' },
      credential: { id: 'anonymous' },
    });
    expect(hop?.durationMs).toBeUndefined();
  });
});
