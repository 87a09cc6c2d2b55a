import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../pipeline/load-config.js';
import { callerHintSchema } from '../../schemas/caller-hint.js';
import { normalizeRecord } from '../normalize.js';
import { productName } from './caller-hint.js';

/** A Kong entry for a call whose log names no caller: no mTLS, no agent header, no token actor. */
function kongEntry(headers: Record<string, string>): string {
  return JSON.stringify({
    started_at: 1_767_000_000_000,
    request: { method: 'POST', uri: '/a2a', headers: { host: 'research-agent', ...headers } },
    response: { status: 200 },
    service: { name: 'research-agent' },
    latencies: { request: 40 },
  });
}

function callerOf(record: string, hint: object | undefined, format?: string): string | undefined {
  const result = normalizeRecord(record, {
    format,
    ...(hint === undefined ? {} : { callerHint: callerHintSchema.parse(hint) }),
  });
  if (!result.ok) throw new Error(result.reason);
  return result.events[0]!.source.workload;
}

describe('the configured caller hint', () => {
  const record = kongEntry({
    'x-service-name': 'planner-agent',
    'user-agent': 'planner-agent/1.4 python-httpx/0.27',
  });

  it('is off by default: a client-set header names nobody', () => {
    expect(callerOf(record, undefined)).toBeUndefined();
    expect(callerOf(record, {})).toBeUndefined();
  });

  it('names the caller from the configured header, in any format’s spelling of it', () => {
    expect(callerOf(record, { header: 'X-Service-Name' })).toBe('planner-agent');
    const envoy = JSON.stringify({
      start_time: '2026-01-01T00:00:00Z',
      response_code: 200,
      x_service_name: 'billing',
    });
    expect(callerOf(envoy, { header: 'x-service-name' })).toBe('billing');
    const traefik = JSON.stringify({ StartUTC: '2026-01-01T00:00:00Z', 'request_X-Service-Name': 'billing' });
    expect(callerOf(traefik, { header: 'x-service-name' })).toBe('billing');
  });

  it('falls back to the User-Agent product when enabled, skipping generic HTTP clients', () => {
    expect(callerOf(record, { userAgent: true })).toBe('planner-agent');
    expect(callerOf(kongEntry({ 'user-agent': 'python-httpx/0.27.0' }), { userAgent: true })).toBeUndefined();
  });

  it('never outranks what the log itself says about the caller', () => {
    expect(
      callerOf(kongEntry({ 'x-agent-id': 'support-bot', 'x-service-name': 'planner' }), {
        header: 'x-service-name',
      }),
    ).toBe('support-bot');
  });

  it('reads product names the way User-Agent writes them', () => {
    expect(productName('planner-agent/1.4.2 (linux; x64) python-httpx/0.27')).toBe('planner-agent');
    expect(productName('Mozilla/5.0 (X11) curl/8.7.1')).toBeUndefined();
    expect(productName('grpc-go/1.62.0')).toBeUndefined();
    expect(productName(undefined)).toBeUndefined();
  });

  it('refuses a header name that is not one, naming the field', () => {
    const parsed = parseConfig({ lineage: { callerHint: { header: 'x service' } } });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain('lineage.callerHint.header');
  });
});
