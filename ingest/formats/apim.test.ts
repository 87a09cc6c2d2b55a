import { describe, expect, it } from 'vitest';
import { sampleLines as fixture, hopsOf, sampleNow as now } from '../../test/kits/formats/samples.js';
import { normalizeRecord } from '../normalize.js';

const [single, batch, stringProperties] = fixture('apim-agents.ndjson');

describe("Azure API Management's GatewayLogs as a diagnostic setting streams them", () => {
  it('reads a record: its subscription as the credential, API and operation, headers it logged', () => {
    const [hop] = hopsOf('apim', single!);
    expect(normalizeRecord(single!, { now })).toMatchObject({ ok: true, format: 'apim' });
    expect(hop).toMatchObject({
      id: 'apim:5f0c3a1e-7b2d-4c8e-9a61-0d3e5f7a9b1c',
      ts: Date.parse('2025-11-30T09:15:02.123Z'),
      durationMs: 131,
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      parentSpanId: '00f067aa0ba902b7',
      credential: { id: 'apim-subscription:support-triage-agent', kind: 'api_key' },
      source: { agent: 'support-triage-agent', ip: '20.61.14.8' },
      destination: {
        service: 'tickets-api',
        route: 'get-ticket',
        host: 'acme-ai-gateway.azure-api.net',
        path: '/tickets/v1/tickets/4711',
        method: 'GET',
      },
      status: 200,
      bytesIn: 412,
      bytesOut: 2210,
    });
    // The subscription key the caller sent, logged as a header, is never kept.
    expect(JSON.stringify(hop)).not.toContain('0123456789abcdef0123456789abcdef');
  });

  it("reads Azure Monitor's batch: each GatewayLogs record a hop, other categories passed over", () => {
    const [withToken, refused, ...rest] = hopsOf('apim', batch!);
    expect(rest).toEqual([]);
    expect(withToken).toMatchObject({
      credential: { kind: 'jwt', scopes: ['kb.read', 'tickets.read'] },
      destination: { service: 'kb-api', route: 'search', method: 'POST' },
    });
    expect(refused).toMatchObject({ status: 401, credential: { id: 'anonymous:198.51.100.23' } });
    expect(withToken!.id).not.toBe(refused!.id);
  });

  it('reads properties written as a JSON string, and a developer account without a subscription', () => {
    expect(hopsOf('apim', stringProperties!)[0]).toMatchObject({
      credential: { id: 'apim-user:1' },
      destination: { route: 'list-tickets' },
    });
  });

  it('rejects a batch without requests and a record without a time, saying which', () => {
    const websocket = { category: 'WebSocketConnectionLogs', time: '2025-11-30T09:15:05Z', properties: {} };
    expect(normalizeRecord(JSON.stringify({ records: [websocket] }), { now, format: 'apim' })).toMatchObject({
      ok: false,
      reason: 'apim: no GatewayLogs record in the batch (categories: WebSocketConnectionLogs)',
    });
    const untimed = JSON.parse(single!);
    delete untimed.time;
    expect(normalizeRecord(JSON.stringify(untimed), { now })).toMatchObject({
      ok: false,
      format: 'apim',
      reason: 'apim: time is missing or not an ISO 8601 time',
    });
  });
});
