import { describe, expect, it } from 'vitest';
import { sampleLines as fixture, hopsOf, sampleNow as now } from '../../test/kits/formats/samples.js';
import { normalizeRecord } from '../normalize.js';

const hop = (line: string) => hopsOf('traefik', line)[0]!;

describe('Traefik JSON access log', () => {
  const [noRouter, , dashboard, docker] = fixture('traefik.ndjson').map(hop);

  it('reads nanosecond StartUTC and Duration', () => {
    expect(dashboard).toMatchObject({
      ts: Date.parse('2021-06-05T04:21:11.489Z'),
      durationMs: 0.920832,
      status: 200,
    });
  });

  it('names the service without its provider suffix, from ServiceName (ServiceURL as object or string)', () => {
    expect(dashboard?.destination).toMatchObject({
      service: 'kube-system-traefik-dashboard-route-c9eb41cf8c3e448fcc6a',
      route: 'kube-system-traefik-dashboard-route-c9eb41cf8c3e448fcc6a',
      host: 'traefik.opsk8s.com',
      path: '/api/overview',
    });
    expect(docker?.destination.service).toBe('http-0-p0o00o0g0cksskkog88so880');
    expect(docker?.bytesOut).toBe(75);
  });

  it('falls back to the requested host when Traefik answered without a router', () => {
    expect(noRouter).toMatchObject({
      status: 404,
      destination: { service: '172.16.100.61', method: 'HEAD' },
      source: { ip: '172.16.100.61' },
    });
  });
});

describe('Traefik with trace ids and kept request headers', () => {
  const [toolCall, redacted] = fixture('traefik-agents.ndjson').map(hop);

  it("uses Traefik's own span as the hop's span and the incoming traceparent as its parent", () => {
    expect(toolCall).toMatchObject({
      id: 'traefik:1a2b3c4d5e6f7081',
      traceId: '3c2b1a0f9e8d7c6b5a4f3e2d1c0b0a99',
      spanId: '1a2b3c4d5e6f7081',
      parentSpanId: '0f1e2d3c4b5a6978',
    });
  });

  it('decodes request_Authorization and reads the agent and MCP headers', () => {
    expect(toolCall).toMatchObject({
      credential: { id: 'jwt:https://idp.acme.internal|bob@acme.com', scopes: ['repo:read'] },
      source: { agent: 'code-assistant', ip: '10.4.0.31' },
      destination: {
        protocol: 'mcp',
        tool: 'create_pull_request',
        service: 'tools-mcp-github-3000',
        route: 'mcp-github',
      },
      durationMs: 48.211907,
    });
  });

  it('ignores a REDACTED header and falls back to the TLS client subject', () => {
    expect(redacted?.credential).toEqual({
      id: 'x509:CN=nightly-sync,O=Acme',
      kind: 'mtls',
      subject: 'CN=nightly-sync,O=Acme',
      scopes: [],
    });
    expect(redacted?.status).toBe(401);
  });

  it('rejects a record whose StartUTC is not a time', () => {
    expect(
      normalizeRecord('{"StartUTC":"12","RequestMethod":"GET"}', { format: 'traefik', now }),
    ).toMatchObject({
      ok: false,
      reason: 'traefik: StartUTC is not an RFC 3339 time',
    });
  });
});
