import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SilenceBook, silencesFile } from '../incidents/silences.js';
import { parseConfig } from '../pipeline/load-config.js';
import type { Finding } from '../schemas/finding.js';
import type { HopEvent } from '../schemas/hop-event.js';
import { bearer, startTestHopwatch, type TestHopwatch } from './helpers/api.js';
import {
  FANOUT_ORIGIN,
  fanoutHops,
  RECURSION_ORIGIN,
  recursionHops,
  T0,
  toNdjson,
  watermarkHop,
} from './helpers/api-traffic.js';
import { findingFixture } from './helpers/webhook-findings.js';

const MINUTE = 60_000;
let running: TestHopwatch;

beforeAll(async () => {
  running = await startTestHopwatch({
    incidents: {
      silences: [
        {
          detector: 'recursion',
          expiresAt: '2999-01-01T00:00:00Z',
          reason: 'planner loops are under review',
        },
      ],
    },
  });
});

afterAll(async () => {
  await running?.close();
});

async function call(method: 'GET' | 'POST' | 'DELETE', url: string, token: string, payload?: object) {
  const response = await running.hopwatch.app.inject({ method, url, headers: bearer(token), payload });
  return { status: response.statusCode, body: response.json() };
}

/** The fan-out of api-traffic under other ids, `minutes` later, and a later hop that closes its window. */
function fanoutAt(minutes: number): HopEvent[] {
  const events = fanoutHops(T0 + minutes * MINUTE).map((event) => ({
    ...event,
    id: `m${minutes}-${event.id}`,
    traceId: `fanout-m${minutes}`,
  }));
  return [...events, { ...watermarkHop(T0 + (minutes + 10) * MINUTE), id: `wm-${minutes}` }];
}

async function ingest(events: HopEvent[]): Promise<void> {
  const response = await running.hopwatch.app.inject({
    method: 'POST',
    url: '/v1/ingest',
    headers: { ...bearer(running.tokens.ingest), 'content-type': 'application/x-ndjson' },
    payload: toNdjson(events),
  });
  expect(response.statusCode, response.body).toBe(200);
}

describe('silences', () => {
  it('are made and ended by admins only, with a clear 400 for a bad one', async () => {
    const spec = { credential: FANOUT_ORIGIN, expiresAt: Date.now() + 3_600_000, reason: 'load test' };
    expect((await call('POST', '/v1/silences', running.tokens.read, spec)).status).toBe(403);
    const missing = await call('POST', '/v1/silences', running.tokens.admin, { reason: 'no matcher' });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toMatch(/expiresAt/);
    const past = await call('POST', '/v1/silences', running.tokens.admin, { ...spec, expiresAt: 1_000 });
    expect(past).toMatchObject({ status: 400, body: { message: /future/ } });
    const bare = await call('POST', '/v1/silences', running.tokens.admin, {
      expiresAt: spec.expiresAt,
      reason: 'everything',
    });
    expect(bare).toMatchObject({ status: 400, body: { message: /credential, detector or rule/ } });
    expect((await call('DELETE', '/v1/silences/nope', running.tokens.admin)).status).toBe(404);
    const xml = await running.hopwatch.app.inject({
      method: 'POST',
      url: '/v1/silences',
      headers: { ...bearer(running.tokens.admin), 'content-type': 'application/xml' },
      payload: '<silence/>',
    });
    expect(xml.statusCode).toBe(415);
    expect(xml.json().message).toBe('send application/json');
  });

  it('mark the findings they match, which join no incident and notify nobody, until they end', async () => {
    const made = await call('POST', '/v1/silences', running.tokens.admin, {
      credential: 'jwt:https://idp.example|research-*',
      detector: 'fanout',
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      reason: 'research agents re-indexing',
    });
    expect(made.status).toBe(201);
    const listed = await call('GET', '/v1/silences', running.tokens.read);
    expect(listed.body.items.map((silence: { id: string }) => silence.id)).toEqual([
      'config:1',
      made.body.id,
    ]);

    await ingest([...recursionHops(), ...fanoutAt(0)]);
    await running.hopwatch.pipeline.drain();
    const findings = await call('GET', '/v1/findings?limit=100', running.tokens.read);
    const silenced = findings.body.items as Finding[];
    expect(silenced.map((finding) => finding.originCredential).sort()).toEqual(
      expect.arrayContaining([FANOUT_ORIGIN, RECURSION_ORIGIN]),
    );
    for (const finding of silenced) {
      expect(finding.silencedBy).toBe(finding.detector === 'recursion' ? 'config:1' : made.body.id);
      expect(finding.incidentId).toBeUndefined();
    }
    expect((await call('GET', '/v1/incidents', running.tokens.read)).body.items).toEqual([]);

    const ended = await call('DELETE', `/v1/silences/${made.body.id}`, running.tokens.admin);
    expect(ended.status).toBe(200);
    expect(ended.body.expiresAt).toBeLessThanOrEqual(Date.now());
    expect(JSON.parse(readFileSync(silencesFile(running.dataDir), 'utf8'))).toEqual([ended.body]);
  });
});

describe('a silence book', () => {
  it('stops matching at its expiry, and reads back what the API made after a restart', async () => {
    let now = T0;
    const dir = mkdtempSync(join(tmpdir(), 'hopwatch-silences-'));
    const book = await SilenceBook.open([], silencesFile(dir), () => now);
    const silence = await book.add({ rule: 'descendant_calls', expiresAt: T0 + MINUTE, reason: 'deploy' });
    const finding = findingFixture({ id: 'f1' });
    expect(book.match(finding)?.id).toBe(silence.id);
    expect(book.match({ ...finding, rule: 'other' })).toBeUndefined();
    now = T0 + MINUTE;
    expect(book.match(finding)).toBeUndefined();
    const reopened = await SilenceBook.open([], silencesFile(dir), () => now);
    expect(reopened.list()).toEqual([silence]);
    writeFileSync(silencesFile(dir), '[{"id": "half');
    await expect(SilenceBook.open([], silencesFile(dir), () => now)).rejects.toThrow(
      /silences\.json: not JSON/,
    );
  });

  it('from the config is checked at start-up, naming the field', () => {
    const parsed = parseConfig({
      incidents: { silences: [{ detector: 'fanuot', expiresAt: '2030-01-01T00:00:00Z', reason: 'typo' }] },
    });
    expect(parsed).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/incidents\.silences\.0\.detector/),
    });
    const incomplete = parseConfig({
      incidents: { silences: [{ expiresAt: 1, reason: 'nothing to match' }] },
    });
    expect(incomplete).toMatchObject({ ok: false, reason: expect.stringMatching(/incidents\.silences\.0/) });
  });
});
