import { describe, expect, it } from 'vitest';
import { sampleLines as fixture, hopsOf, sampleNow as now } from '../../test/kits/formats/samples.js';
import { normalizeRecord } from '../normalize.js';

const [bearer, mtls, refused] = fixture('cloudflare-agents.ndjson').map(
  (line) => hopsOf('cloudflare', line)[0]!,
);

describe("Cloudflare's HTTP request logs (Logpush http_requests)", () => {
  it('reads unixnano times, the Ray ID, and the token, trace and agent its custom fields logged', () => {
    expect(bearer).toMatchObject({
      id: 'cloudflare:8f1c2b3a4d5e6f70',
      ts: 1764496800123,
      durationMs: 87,
      traceId: '0af7651916cd43dd8448eb211c80319c',
      credential: { id: 'jwt:https://auth.acme.example|agent:billing-bot', scopes: ['invoices:read'] },
      source: { agent: 'billing-bot', ip: '203.0.113.7' },
      destination: { service: 'api.acme.example', method: 'POST', path: '/v1/invoices/search' },
      status: 200,
      bytesIn: 812,
      bytesOut: 4410,
    });
  });

  it('reads RFC 3339 times, a verified client certificate, and an MCP call', () => {
    expect(mtls).toMatchObject({
      ts: Date.parse('2025-11-30T10:00:01.250Z'),
      durationMs: 230,
      sessionId: 'sess-41d2',
      credential: { kind: 'mtls', id: expect.stringMatching(/^x509-sha256:3f2a9c1d/) },
      destination: { protocol: 'mcp', tool: 'search_papers' },
    });
  });

  it('keeps the path of a request Cloudflare refused, not its query, which held a token', () => {
    expect(refused).toMatchObject({ status: 403, credential: { id: 'anonymous:192.0.2.99' } });
    expect(JSON.stringify(refused)).not.toContain('s3cr3t');
  });

  it('rejects a record without a usable start, naming the field', () => {
    const record = JSON.parse(fixture('cloudflare-agents.ndjson')[0]!);
    record.EdgeStartTimestamp = 'soon';
    expect(normalizeRecord(JSON.stringify(record), { now })).toEqual({
      ok: false,
      format: 'cloudflare',
      reason: 'cloudflare: EdgeStartTimestamp is missing or not a time',
    });
  });
});
