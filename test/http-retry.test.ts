import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../schemas/finding.js';
import type { HopEvent } from '../schemas/hop-event.js';
import { bearer, startTestHopwatch, type TestHopwatch } from './helpers/api.js';
import { attackTraffic, fanoutHops, T0, toNdjson, watermarkHop } from './helpers/api-traffic.js';
import { startWebhookReceiver, type WebhookReceiver, waitUntil } from './helpers/webhook-receiver.js';

let running: TestHopwatch;
let receiver: WebhookReceiver;

beforeAll(async () => {
  process.env.HOPWATCH_RETRY_TEST_SECRET = 'retry-test-secret-0123456789';
  receiver = await startWebhookReceiver();
  running = await startTestHopwatch({
    store: { hopsTtlDays: 3_650 },
    alerts: {
      webhooks: [
        {
          name: 'retry-test',
          url: receiver.url,
          secretEnv: 'HOPWATCH_RETRY_TEST_SECRET',
          notify: 'findings',
          minSeverity: 'low',
          concurrency: 1,
          backoffBaseMs: 50,
        },
      ],
    },
  });
});

afterAll(async () => {
  await running?.close();
  await receiver?.close();
});

async function post(body: string): Promise<number> {
  const response = await running.hopwatch.app.inject({
    method: 'POST',
    url: '/v1/ingest',
    headers: { ...bearer(running.tokens.ingest), 'content-type': 'application/x-ndjson' },
    payload: body,
  });
  return response.statusCode;
}

async function findingIds(): Promise<string[]> {
  const response = await running.hopwatch.app.inject({
    method: 'GET',
    url: '/v1/findings?limit=500',
    headers: bearer(running.tokens.read),
  });
  return (response.json() as { items: Finding[] }).items.map((finding) => finding.id).sort();
}

const deliveredIds = () =>
  receiver.requests.map((request) => (JSON.parse(request.rawBody.toString()) as Finding).id).sort();

/** The same fan-out, 30 minutes on, under other ids: a finding raised after the copies were posted. */
function laterFanout(): HopEvent[] {
  return fanoutHops(T0 + 30 * 60_000).map((event) => ({
    ...event,
    id: `later-${event.id}`,
    traceId: 'later-fanout',
  }));
}

describe('retrying an ingest request', () => {
  it('posting the same batch again, long after its windows closed, gives the same findings and alerts', async () => {
    expect(await post(attackTraffic())).toBe(200);
    await waitUntil('the first findings', () => receiver.requests.length >= 2, 20_000);
    const first = await findingIds();
    expect(first.length).toBeGreaterThanOrEqual(2);
    await waitUntil('each first finding delivered', () => deliveredIds().length >= first.length, 20_000);

    // A retry (the client never saw the 200), then another after the watermark moved 5 minutes on:
    // both well within lineage.seenHopsMs (an hour) of the first copy.
    expect(await post(attackTraffic())).toBe(200);
    expect(await post(toNdjson([watermarkHop(T0 + 15 * 60_000)].map((e) => ({ ...e, id: 'wm-15' }))))).toBe(
      200,
    );
    expect(await post(attackTraffic())).toBe(200);

    // A new attack after the copies: once its alert is in, any alert the copies raised would be too.
    const marker = laterFanout();
    expect(await post(toNdjson([...marker, { ...watermarkHop(T0 + 45 * 60_000), id: 'wm-45' }]))).toBe(200);
    const isMarker = (id: string) => !first.includes(id);
    await waitUntil('the later fan-out delivered', () => deliveredIds().some(isMarker), 20_000);

    const after = await findingIds();
    expect(after.filter((id) => !isMarker(id) || first.includes(id))).toEqual(first);
    expect(after.filter(isMarker)).toHaveLength(1);
    expect(deliveredIds().filter((id) => first.includes(id))).toEqual(first);
    expect(deliveredIds()).toHaveLength(first.length + 1);

    const stats = (
      await running.hopwatch.app.inject({
        method: 'GET',
        url: '/v1/stats',
        headers: bearer(running.tokens.read),
      })
    ).json();
    expect(stats.engine.duplicateHops).toBeGreaterThanOrEqual(2 * attackTraffic().trim().split('\n').length);
  }, 60_000);
});
