import { describe, expect, it } from 'vitest';
import { sampleLines as fixture, hopsOf, sampleNow as now } from '../../test/kits/formats/samples.js';
import { normalizeRecord } from '../normalize.js';

const hop = (line: string) => hopsOf('nginx', line)[0]!;

describe('NGINX combined format', () => {
  const lines = fixture('nginx-combined.log').map(hop);

  it('maps the Filebeat test lines, honouring the local time offset', () => {
    expect(lines[0]).toMatchObject({
      ts: Date.parse('2016-12-07T10:05:07Z'),
      status: 200,
      bytesOut: 571,
      source: { ip: '10.0.0.2' },
      destination: { method: 'GET', path: '/ocelot', service: 'unknown', protocol: 'http' },
    });
  });

  it('takes the first address of a quoted X-Forwarded-For list, and IPv6 whole', () => {
    expect(lines[4]?.source.ip).toBe('10.5.102.222');
    expect(lines[4]?.destination.path).toBe('/assets/xxxx');
    expect(lines[5]?.source.ip).toBe('2a03:0000:10ff:f00f:0000:0000:0:8000');
  });

  it('keeps a malformed request ("" 400) as a hop of unknown method', () => {
    expect(lines[6]).toMatchObject({
      status: 400,
      destination: { method: 'UNKNOWN', path: '', protocol: 'other' },
    });
  });
});

describe("NGINX JSON (hopwatch's recommended log_format)", () => {
  const [chat, mcp, gist] = fixture('nginx-agents.ndjson').map(hop);

  it('reads $msec, $request_time in seconds, $request_id and $proxy_host', () => {
    expect(chat).toMatchObject({
      id: 'nginx:7d1f0c2e9b8a4c3d2e1f0a9b8c7d6e5f',
      ts: 1763630110482,
      durationMs: 2481,
      bytesIn: 1893,
      bytesOut: 5120,
      destination: {
        service: 'llm-backend',
        host: 'llm-proxy.acme.internal',
        method: 'POST',
        path: '/v1/chat/completions',
      },
      source: { ip: '198.51.100.23', agent: 'code-assistant' },
      traceId: '5b8efff798038103d269b633813fc60c',
      parentSpanId: 'eee19b7ec3c1b173',
    });
  });

  it('fingerprints $http_authorization and names the delegation from the on-behalf-of header', () => {
    expect(chat?.credential).toEqual({ id: 'key:8455a3ece5d5da2b', kind: 'api_key', scopes: [] });
    expect(chat?.delegation).toEqual(['bob@acme.com', 'key:8455a3ece5d5da2b']);
  });

  it('recognises an MCP tool call; an API key outranks the client certificate', () => {
    expect(mcp).toMatchObject({
      status: 403,
      destination: { protocol: 'mcp', tool: 'delete_repository', service: 'mcp-admin' },
    });
    expect(mcp?.credential.kind).toBe('api_key');
    expect(mcp?.traceId).toBeUndefined();
  });

  it('reads a hand-made format with $time_local and $request', () => {
    expect(gist).toMatchObject({
      ts: Date.parse('2025-11-20T08:15:12Z'),
      status: 200,
      durationMs: 0,
      source: { ip: '192.0.2.10' },
      destination: { method: 'GET', path: '/healthz' },
    });
  });

  it('rejects a record without any start time', () => {
    expect(
      normalizeRecord('{"status":"200","request_method":"GET"}', { format: 'nginx', now }),
    ).toMatchObject({
      ok: false,
      reason: 'nginx: no start time (msec, time_iso8601 or time_local)',
    });
  });
});
