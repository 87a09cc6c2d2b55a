import { getHeapStatistics } from 'node:v8';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../schemas/finding.js';
import { bearer, startTestHopwatch, type TestHopwatch } from './helpers/api.js';
import { attackTraffic, BENIGN_ORIGIN, FANOUT_ORIGIN, RECURSION_ORIGIN, T0 } from './helpers/api-traffic.js';

let running: TestHopwatch;
let app: FastifyInstance;
let read: Record<string, string>;

type Page = { items: Finding[]; nextCursor: string | null };

async function findings(query: string): Promise<Page> {
  const response = await app.inject({ method: 'GET', url: `/v1/findings${query}`, headers: read });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

beforeAll(async () => {
  running = await startTestHopwatch();
  app = running.hopwatch.app;
  read = bearer(running.tokens.read);
  const ingest = await app.inject({
    method: 'POST',
    url: '/v1/ingest',
    headers: { ...bearer(running.tokens.ingest), 'content-type': 'application/x-ndjson' },
    payload: attackTraffic(),
  });
  expect(ingest.statusCode, ingest.body).toBe(200);
});

afterAll(async () => {
  await running?.close();
});

describe('GET /v1/findings', () => {
  it('lists the recursion and the fan-out, and nothing for the benign support bot', async () => {
    const page = await findings('?limit=1000');
    const byOrigin = new Map(page.items.map((finding) => [finding.originCredential, finding]));
    expect(byOrigin.get(RECURSION_ORIGIN)?.detector).toBe('recursion');
    expect(page.items.some((f) => f.originCredential === FANOUT_ORIGIN && f.detector === 'fanout')).toBe(
      true,
    );
    expect(page.items.filter((finding) => finding.originCredential === BENIGN_ORIGIN)).toEqual([]);
    expect(page.nextCursor).toBeNull();
  });

  it('filters by detector, origin credential, severity and time range', async () => {
    const recursion = await findings('?detector=recursion');
    expect(recursion.items.length).toBeGreaterThan(0);
    expect(recursion.items.every((finding) => finding.detector === 'recursion')).toBe(true);

    const fanout = await findings(`?originCredential=${encodeURIComponent(FANOUT_ORIGIN)}`);
    expect(fanout.items.length).toBeGreaterThan(0);
    expect(fanout.items.every((finding) => finding.originCredential === FANOUT_ORIGIN)).toBe(true);

    const severity = fanout.items[0]!.severity;
    const bySeverity = await findings(`?severity=${severity}`);
    expect(bySeverity.items.map((finding) => finding.severity)).toContain(severity);

    const all = await findings('?limit=1000');
    const isoFrom = new Date(T0 - 3_600_000).toISOString();
    expect((await findings(`?from=${isoFrom}&to=${T0 + 86_400_000}`)).items.length).toBe(all.items.length);
    expect((await findings(`?to=${T0 - 3_600_000}`)).items).toEqual([]);
  });

  it('pages through every finding exactly once with limit and cursor', async () => {
    const all = await findings('?limit=1000');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await findings(
        `?limit=1${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
      );
      expect(page.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.items.map((finding) => finding.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen.sort()).toEqual(all.items.map((finding) => finding.id).sort());
  });

  it.each([
    ['?limit=0', 'limit'],
    ['?limit=1001', 'limit'],
    ['?limit=many', 'limit'],
    ['?detector=loops', 'detector'],
    ['?severity=urgent', 'severity'],
    ['?from=last-tuesday', 'from'],
    [`?from=${T0}&to=${T0 - 1}`, 'to'],
    ['?colour=red', 'colour'],
    ['?cursor=not-a-cursor', 'cursor'],
  ])('answers %s with 400 naming the parameter', async (query, parameter) => {
    const response = await app.inject({ method: 'GET', url: `/v1/findings${query}`, headers: read });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'bad_request' });
    expect(response.json().message).toContain(parameter);
  });
});

describe('GET /v1/findings/:id', () => {
  it('returns one finding with its evidence, and a JSON 404 for an unknown id', async () => {
    const [first] = (await findings('?detector=recursion')).items;
    const response = await app.inject({ method: 'GET', url: `/v1/findings/${first!.id}`, headers: read });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id: first!.id, detector: 'recursion' });
    expect(Object.keys(response.json().evidence).length).toBeGreaterThan(0);

    const missing = await app.inject({ method: 'GET', url: '/v1/findings/no-such-finding', headers: read });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: 'not_found', message: expect.any(String) });
  });
});

describe('GET /v1/credentials/:id', () => {
  it('summarises a URL-encoded credential id with its findings', async () => {
    const url = `/v1/credentials/${encodeURIComponent(RECURSION_ORIGIN)}`;
    const response = await app.inject({ method: 'GET', url, headers: read });
    expect(response.statusCode, response.body).toBe(200);
    const summary = response.json();
    expect(summary.credential).toBe(RECURSION_ORIGIN);
    expect(summary.hopCount).toBeGreaterThan(0);
    expect(summary.findings.map((entry: { detector: string }) => entry.detector)).toContain('recursion');
  });

  it('answers a path that does not decode with a JSON 400 that does not quote it', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/credentials/key-%E0%A4%A', headers: read });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'bad_request', message: expect.stringContaining('%-escape') });
    expect(response.body).not.toContain('key-');
  });

  it('answers 404 for a credential never seen', async () => {
    const url = `/v1/credentials/${encodeURIComponent('jwt:https://idp.example|nobody')}`;
    expect((await app.inject({ method: 'GET', url, headers: read })).statusCode).toBe(404);
  });
  it("gives the fan-out origin's hops per minute, every bucket filled, with where they went", async () => {
    const url = `/v1/credentials/${encodeURIComponent(FANOUT_ORIGIN)}/activity?bucketSeconds=60`;
    const response = await app.inject({ method: 'GET', url, headers: read });
    expect(response.statusCode, response.body).toBe(200);
    const activity = response.json();
    const hops = activity.buckets.reduce((sum: number, bucket: { hops: number }) => sum + bucket.hops, 0);
    // The root call and its forty descendants all act for the fan-out's origin.
    expect(hops).toBe(41);
    expect(activity.buckets.length).toBe((activity.to - activity.from) / 60_000);
    expect(activity.threshold).toBe(600);
    expect(activity.destinations).toHaveLength(17);
    expect(activity.destinations).toContainEqual({
      service: 'tool-broker',
      hops: 1,
      firstSeen: expect.any(Number),
      new: true,
    });
    expect(activity.destinations.every((destination: { new: boolean }) => destination.new)).toBe(true);
    const later = `${url}&from=${activity.to}&to=${activity.to + 3_600_000}`;
    const empty = (await app.inject({ method: 'GET', url: later, headers: read })).json();
    expect(empty.buckets.every((bucket: { hops: number }) => bucket.hops === 0)).toBe(true);
    expect(empty.destinations.some((destination: { new: boolean }) => destination.new)).toBe(false);
    const backwards = `${url}&from=${activity.to}&to=${activity.from}`;
    const refused = await app.inject({ method: 'GET', url: backwards, headers: read });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().message).toMatch(/later than from/);
  });
});

describe('GET /v1/incidents', () => {
  type IncidentPage = { items: Array<{ id: string; originCredential: string; detectors: string[] }> };

  it('lists one open incident per attacking origin, filters, and details one with its findings', async () => {
    const get = async (query: string) =>
      app.inject({ method: 'GET', url: `/v1/incidents${query}`, headers: read });
    const all = (await get('?limit=100')).json() as IncidentPage;
    expect(all.items.map((incident) => incident.originCredential).sort()).toEqual(
      [FANOUT_ORIGIN, RECURSION_ORIGIN].sort(),
    );
    const recursion = (await get('?detector=recursion&state=open')).json() as IncidentPage;
    expect(recursion.items.map((incident) => incident.originCredential)).toEqual([RECURSION_ORIGIN]);
    expect(((await get('?state=resolved')).json() as IncidentPage).items).toEqual([]);
    const bad = await get('?state=closed');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/state/);

    const id = recursion.items[0]!.id;
    const detail = await get(`/${id}`);
    expect(detail.statusCode, detail.body).toBe(200);
    const { incident, timeline, findings } = detail.json();
    expect(incident.id).toBe(id);
    expect(timeline[0].change).toBe('opened');
    expect(findings.items.length).toBe(incident.findingCount);
    expect((await get('/0123456789abcdef0123456789abcdef')).statusCode).toBe(404);
  });
});

describe('GET /v1/traces/:traceId', () => {
  it('returns the A→B→A loop as a chain of three hops', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/traces/loop-trace-1', headers: read });
    expect(response.statusCode, response.body).toBe(200);
    const tree = response.json();
    expect(tree).toMatchObject({
      traceId: 'loop-trace-1',
      hopCount: 3,
      originCredentials: [RECURSION_ORIGIN],
    });
    const root = tree.roots[0];
    expect(tree.roots).toHaveLength(1);
    expect(root.hop.id).toBe('r1');
    expect(root.children[0].hop.id).toBe('r2');
    expect(root.children[0].children[0].hop.id).toBe('r3');
    expect(root.children[0].inferred).toBe(false);
  });

  it('puts the forty fan-out calls under their one root', async () => {
    const tree = (
      await app.inject({ method: 'GET', url: '/v1/traces/fanout-trace-1', headers: read })
    ).json();
    expect(tree.roots).toHaveLength(1);
    expect(tree.roots[0].children).toHaveLength(40);
  });

  it('answers 404 for an unknown trace', async () => {
    expect((await app.inject({ method: 'GET', url: '/v1/traces/nope', headers: read })).statusCode).toBe(404);
  });
});

describe('GET /v1/stats', () => {
  it('counts stored hops and what the engine observed', async () => {
    const stats = (await app.inject({ method: 'GET', url: '/v1/stats', headers: read })).json();
    expect(stats.store.hops).toBe(48);
    expect(stats.store.findings).toBeGreaterThanOrEqual(2);
    expect(stats.ingest.eventsIngested).toEqual({ canonical: 48 });
    expect(stats.engine.eventsObserved).toBe(48);
    expect(Object.keys(stats.lanes)).toEqual(['http']);
    expect(stats.lanes.http.eventsObserved).toBe(48);
    expect(stats.lanes.http.trackedTraces).toBe(stats.engine.trackedTraces);
  });
});

describe('authentication and scopes', () => {
  it('asks for a bearer token when none is presented', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/findings' });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(response.json().error).toBe('unauthorized');
  });

  it('rejects an unknown token without echoing it', async () => {
    const presented = 'hw_not-a-real-token-but-a-secret-nonetheless';
    const response = await app.inject({ method: 'GET', url: '/v1/findings', headers: bearer(presented) });
    expect(response.statusCode).toBe(401);
    expect(response.body).not.toContain(presented);
  });

  it('refuses a token without the scope a route needs', async () => {
    const ingestOnly = bearer(running.tokens.ingest);
    expect((await app.inject({ method: 'GET', url: '/v1/findings', headers: ingestOnly })).statusCode).toBe(
      403,
    );
    const readOnly = await app.inject({
      method: 'POST',
      url: '/v1/ingest',
      headers: { ...read, 'content-type': 'application/x-ndjson' },
      payload: '{}\n',
    });
    expect(readOnly.statusCode).toBe(403);
    // The answer names the scope, never the token's name (the operator's label for it).
    expect(readOnly.json().message).toBe('this token lacks the ingest scope');
    expect(readOnly.body).not.toContain('dashboard');
    expect((await app.inject({ method: 'GET', url: '/v1/alerts', headers: read })).statusCode).toBe(403);
  });

  it('lets an admin token use every route, including the alert deliveries', async () => {
    const admin = bearer(running.tokens.admin);
    const alerts = await app.inject({ method: 'GET', url: '/v1/alerts', headers: admin });
    expect(alerts.statusCode, alerts.body).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/v1/stats', headers: admin })).statusCode).toBe(200);
  });

  it('keeps health and readiness open', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', store: true, sources: { http: true } });
  });
});

describe('GET /metrics', () => {
  it('needs the read scope and counts what was ingested', async () => {
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const response = await app.inject({ method: 'GET', url: '/metrics', headers: read });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.body).toContain('hopwatch_events_ingested_total{format="canonical"} 48');
    expect(response.body).toContain('hopwatch_records_received_total{source="http"} 48');
    expect(response.body).toMatch(/hopwatch_findings_total\{detector="recursion"\} [1-9]/);
    expect(response.body).toContain('hopwatch_sink_write_seconds_count{sink="store"}');
    expect(response.body).toContain('hopwatch_lineage_tracked_traces');
    // The heap limit beside the heap in use: how near the process is to running out of heap.
    expect(response.body).toContain(`hopwatch_heap_limit_bytes ${getHeapStatistics().heap_size_limit}`);
    expect(response.body).toMatch(/nodejs_heap_size_used_bytes [1-9]/);
    // Under the default cap nothing closes early; each detector has its own count.
    expect(response.body).toContain('hopwatch_windows_closed_early_total{detector="fanout"} 0');
    expect(response.body).toContain('hopwatch_windows_closed_early_total{detector="rate"} 0');
    expect(response.body).toContain('hopwatch_lane_events_observed_total{lane="http"} 48');
    expect(response.body).toMatch(
      /hopwatch_lane_detector_state_entries\{lane="http",detector="rate"\} [1-9]/,
    );
    expect(response.body).toMatch(/hopwatch_lane_watermark_seconds\{lane="http"\} 1\d{9}/);
  });
});

describe('OpenAPI document', () => {
  it('is served without a token (a browser opens /docs), is valid OpenAPI 3 and lists every route', async () => {
    expect((await app.inject({ method: 'GET', url: '/docs' })).statusCode).toBeLessThan(400);
    expect((await app.inject({ method: 'GET', url: '/v1/findings' })).statusCode).toBe(401);
    const response = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    await SwaggerParser.validate(structuredClone(document));
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths).sort()).toEqual([
      '/healthz',
      '/metrics',
      '/readyz',
      '/v1/alerts',
      '/v1/credentials/{id}',
      '/v1/credentials/{id}/activity',
      '/v1/dead-letters',
      '/v1/explain',
      '/v1/findings',
      '/v1/findings/{id}',
      '/v1/firehose',
      '/v1/incidents',
      '/v1/incidents/{id}',
      '/v1/ingest',
      '/v1/logs',
      '/v1/pubsub',
      '/v1/silences',
      '/v1/silences/{id}',
      '/v1/stats',
      '/v1/traces',
      '/v1/traces/{traceId}',
    ]);
    expect(document.components.schemas).toHaveProperty('Finding');
  });
});
