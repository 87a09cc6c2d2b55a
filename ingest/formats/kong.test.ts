import { describe, expect, it } from 'vitest';
import { sampleLines as fixture, hopsOf, sampleNow as now } from '../../test/kits/formats/samples.js';
import { normalizeRecord } from '../normalize.js';

const hops = (line: string) => hopsOf('kong', line);

describe('Kong log plugins', () => {
  it('maps the Kong 3.x docs sample: request id, service and route names, latencies, sizes', () => {
    const [hop] = hops(fixture('kong-3x-docs.ndjson')[0]!);
    expect(hop).toMatchObject({
      id: 'kong:2f6946328ffc4946b8c9120704a4a155',
      requestId: '2f6946328ffc4946b8c9120704a4a155',
      ts: 1726783839538,
      durationMs: 173,
      status: 200,
      bytesIn: 139,
      bytesOut: 9982,
      source: { ip: '192.168.65.1' },
      destination: {
        service: 'example_service',
        route: 'example_route',
        host: 'localhost:8000',
        method: 'GET',
        path: '/example-route',
      },
    });
  });

  it('maps the 1.x sample: string sizes and the consumer as credential', () => {
    const [hop] = hops(fixture('kong-1x-docs.ndjson')[0]!);
    expect(hop).toMatchObject({
      ts: 1433209822425,
      durationMs: 1921,
      bytesIn: 75,
      bytesOut: 434,
      credential: { id: 'kong-consumer:demo', kind: 'api_key', subject: 'demo' },
      destination: { service: 'myservice', path: '/get' },
    });
    expect(hop?.id).toMatch(/^kong:[0-9a-f]{16}$/);
  });

  it('turns a batched payload (JSON array) into one hop per entry with distinct stable ids', () => {
    const line = fixture('kong-batch.ndjson')[0]!;
    const [hop] = hops(line);
    expect(hop).toMatchObject({
      ts: 1614232668342,
      durationMs: 515,
      credential: { id: 'kong-consumer:foo' },
      destination: { service: 'httpbin.org', path: '/log' },
    });
    expect(hops(line)[0]?.id).toBe(hop?.id);
    const [first, second] = hops(fixture('kong-agents.ndjson')[1]!);
    expect(first?.id).toBe('kong:1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a');
    expect(second?.id).toMatch(/^kong:[0-9a-f]{16}#1$/);
  });

  it('decodes a bearer JWT from the headers (then drops it) and reads trace and MCP headers', () => {
    const [hop] = hops(fixture('kong-agents.ndjson')[0]!);
    expect(hop).toMatchObject({
      credential: { id: 'jwt:https://idp.acme.internal|alice@acme.com', kind: 'jwt', jti: 'tx-7f3a91' },
      delegation: [
        'jwt:https://idp.acme.internal|alice@acme.com',
        'spiffe://acme.internal/ns/agents/sa/planner',
        'spiffe://acme.internal/ns/agents/sa/support-agent',
      ],
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      parentSpanId: '53995c3f42cd8ad8',
      source: { agent: 'support-agent' },
      destination: { protocol: 'mcp', tool: 'close_ticket', service: 'mcp-tickets', route: 'mcp' },
    });
    expect(JSON.stringify(hop)).not.toContain('c2lnLWNoYWluLXNlY3JldC0xYTJiM2M');
  });

  it('names the caller by the token’s current actor (RFC 8693 act.sub) when no header does, and reads the MCP session', () => {
    const entry = JSON.parse(fixture('kong-agents.ndjson')[0]!);
    const { headers } = entry.request;
    for (const name of Object.keys(headers)) if (name.includes('agent')) delete headers[name];
    headers['mcp-session-id'] = 'sess-42';
    const [hop] = hops(JSON.stringify(entry));
    expect(hop?.source.agent).toBeUndefined();
    expect(hop).toMatchObject({
      source: { workload: 'spiffe://acme.internal/ns/agents/sa/support-agent' },
      sessionId: 'sess-42',
    });
  });

  it('prefers the consumer over its key, and fingerprints a key given only in the query string', () => {
    const [withConsumer, keyOnly] = hops(fixture('kong-agents.ndjson')[1]!);
    expect(withConsumer?.credential).toEqual({
      id: 'kong-consumer:sre-bot',
      kind: 'api_key',
      subject: 'sre-bot',
      scopes: [],
    });
    expect(withConsumer?.spanId).toBe('e457b5a2e4d86bd1');
    expect(keyOnly?.credential.kind).toBe('api_key');
    expect(keyOnly?.credential.id).toMatch(/^key:[0-9a-f]{16}$/);
    expect(keyOnly?.destination.path).toBe('/v1/metrics');
    expect(keyOnly?.status).toBe(401);
  });

  it('rejects a whole batch naming the bad entry', () => {
    const batch = JSON.stringify([
      { started_at: 1763630105000, request: { method: 'GET', uri: '/ok' }, response: { status: 200 } },
      { started_at: 'bad', request: {} },
    ]);
    expect(normalizeRecord(batch, { format: 'kong', now })).toMatchObject({
      ok: false,
      reason: 'kong: batch entry 1: started_at is not an epoch time',
    });
  });
});
