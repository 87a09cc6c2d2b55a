import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hopEventSchema } from '../../schemas/hop-event.js';
import { normalizeRecord } from '../normalize.js';

const now = Date.parse('2026-01-01T00:00:00Z');
const lines = readFileSync(new URL('../../fixtures/samples/canonical-agents.ndjson', import.meta.url), 'utf8')
  .split('\n')
  .filter(Boolean);

describe('canonical HopEvent input', () => {
  it('passes a full record through, keeping the format it names', () => {
    const result = normalizeRecord(lines[0]!, {
      format: 'canonical',
      now,
      origin: { topic: 'hops', partition: 2, offset: '41' },
    });
    expect(result.ok && result.events[0]).toMatchObject({
      id: 'broker-7781',
      credential: { id: 'jwt:https://idp.acme.internal|alice@acme.com', jti: 'tx-7f3a91' },
      destination: { tool: 'search_tickets', protocol: 'mcp' },
      origin: { format: 'tool-broker', topic: 'hops', partition: 2, offset: '41' },
    });
  });

  it('fills defaults (scopes, source) and the origin when the record leaves them out', () => {
    const result = normalizeRecord(lines[1]!, { now });
    expect(result.ok && result.events[0]).toMatchObject({
      credential: { scopes: [] },
      source: {},
      origin: { format: 'canonical' },
    });
  });

  it('keeps every field of the schema, the MCP session and other observation points included', () => {
    const record = {
      ...JSON.parse(lines[0]!),
      sessionId: 'mcp-session-9',
      observedAs: ['sidecar-out-1'],
      rawStatus: 'OK',
      bytesIn: 12,
      bytesOut: 34,
    };
    const result = normalizeRecord(JSON.stringify(record), { now });
    expect(result.ok && result.events[0]).toEqual(hopEventSchema.parse(record));
    expect(result.ok && result.events[0]).toMatchObject({
      sessionId: 'mcp-session-9',
      observedAs: ['sidecar-out-1'],
    });
  });

  it('names the failing fields in the reason', () => {
    const bad = JSON.stringify({
      id: 'x',
      ts: '2025-11-20',
      credential: { id: 'a', kind: 'wizard' },
      destination: { service: 'a', method: 'GET', path: '/', protocol: 'http' },
      status: 200,
    });
    const result = normalizeRecord(bad, { format: 'canonical', now });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toContain('ts:');
      expect(result.reason).toContain('credential.kind:');
    }
  });
});
