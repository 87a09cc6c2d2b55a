import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, startTestHopwatch, type TestHopwatch } from './helpers/api.js';
import { sampleLines } from './kits/formats/samples.js';

let running: TestHopwatch;
const logLines: string[] = [];

beforeAll(async () => {
  // Debug level, so that every request is logged: the token in the URL must appear in none of it.
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  running = await startTestHopwatch({}, pino({ level: 'debug' }, sink));
});

afterAll(async () => {
  await running?.close();
});

const gcpEntries = sampleLines('gcp-agents.ndjson');
const base64 = (text: string) => Buffer.from(text).toString('base64');

/** A push request as a Pub/Sub push subscription sends it (the wrapped payload). */
function push(
  data: string | undefined,
  options: { token?: string; query?: string; messageId?: string; authorization?: string } = {},
) {
  const messageId = options.messageId ?? String(Math.floor(Math.random() * 1e15));
  const body = {
    message: {
      ...(data === undefined ? {} : { data }),
      attributes: { 'logging.googleapis.com/timestamp': '2025-11-30T10:00:00.1Z' },
      messageId,
      message_id: messageId,
      publishTime: '2025-11-30T10:00:01.2Z',
      publish_time: '2025-11-30T10:00:01.2Z',
    },
    subscription: 'projects/acme-agents/subscriptions/hopwatch-requests',
  };
  const query = new URLSearchParams(options.query ?? '');
  if (options.token !== undefined) query.set('token', options.token);
  return fetch(`${running.url}/v1/pubsub?${query}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)',
      ...(options.authorization === undefined ? {} : { authorization: options.authorization }),
    },
    body: JSON.stringify(body),
  });
}

type Stats = {
  ingest: { eventsIngested: Record<string, number>; recordsRejected: Record<string, number> };
  engine: { duplicateHops: number };
};
const stats = () => getJson<Stats>(running, '/v1/stats');

describe('POST /v1/pubsub (a Pub/Sub push subscription)', () => {
  it('takes a Cloud Logging entry a message, acknowledges once durable, and counts a redelivered one once', async () => {
    const before = await stats();
    for (const [index, entry] of gcpEntries.entries()) {
      const response = await push(base64(entry), { token: running.tokens.ingest, messageId: `m-${index}` });
      expect(response.status).toBe(204);
      expect(await response.text()).toBe('');
    }
    // Pub/Sub delivers at least once: the same message again.
    expect(
      (await push(base64(gcpEntries[0]!), { token: running.tokens.ingest, messageId: 'm-0' })).status,
    ).toBe(204);
    const after = await stats();
    expect(after.ingest.eventsIngested.gcp ?? 0).toBe(
      (before.ingest.eventsIngested.gcp ?? 0) + gcpEntries.length + 1,
    );
    expect(after.engine.duplicateHops).toBe(before.engine.duplicateHops + 1);
  });

  it('reads an entry laid out over several lines as one record, and keeps what it cannot read as a dead letter', async () => {
    const before = await stats();
    const laidOut = JSON.stringify({ ...JSON.parse(gcpEntries[1]!), insertId: 'laid-out-1' }, null, 2);
    expect((await push(base64(laidOut), { token: running.tokens.ingest })).status).toBe(204);
    const unreadable = await push(base64('Execution failed due to configuration error'), {
      token: running.tokens.ingest,
      query: 'format=gcp',
    });
    expect(unreadable.status).toBe(204);
    // A message of attributes only carries no record, and is acknowledged.
    expect((await push(undefined, { token: running.tokens.ingest })).status).toBe(204);
    const after = await stats();
    expect(after.ingest.eventsIngested.gcp).toBe(before.ingest.eventsIngested.gcp! + 1);
    expect(after.ingest.recordsRejected.http ?? 0).toBe((before.ingest.recordsRejected.http ?? 0) + 1);
    const letters = await getJson<{ items: Array<{ raw: string; format?: string; source: string }> }>(
      running,
      '/v1/dead-letters?source=http&format=gcp',
    );
    expect(letters.items[0]).toMatchObject({
      raw: 'Execution failed due to configuration error',
      source: 'http',
    });
  });

  it('wants an ingest token in the URL, takes it nowhere else a token goes, and never logs it', async () => {
    const entry = base64(gcpEntries[0]!);
    expect((await push(entry)).status).toBe(401);
    expect((await push(entry, { token: 'hw_not-a-token' })).status).toBe(401);
    expect((await push(entry, { token: running.tokens.read })).status).toBe(403);
    // A subscription with authentication on also sends Google's OIDC token: the one in the URL counts.
    const withOidc = await push(entry, {
      token: running.tokens.ingest,
      authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln',
    });
    expect(withOidc.status).toBe(204);
    const ingestWithQueryToken = await fetch(`${running.url}/v1/ingest?token=${running.tokens.ingest}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: `${gcpEntries[0]}\n`,
    });
    expect(ingestWithQueryToken.status).toBe(401);
    expect(logLines.some((line) => line.includes('"route":"/v1/pubsub"'))).toBe(true);
    expect(logLines.filter((line) => line.includes(running.tokens.ingest))).toEqual([]);
  });

  it('answers 400 for what is no push request and 415 for another content type, storing neither', async () => {
    const before = await stats();
    const notPush = await fetch(`${running.url}/v1/pubsub?token=${running.tokens.ingest}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ data: base64(gcpEntries[0]!) }] }),
    });
    expect(notPush.status).toBe(400);
    expect(await notPush.json()).toMatchObject({
      message: expect.stringMatching(/^not a Pub\/Sub push request/),
    });
    const text = await fetch(`${running.url}/v1/pubsub?token=${running.tokens.ingest}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: gcpEntries[0],
    });
    expect(text.status).toBe(415);
    expect((await stats()).ingest).toEqual(before.ingest);
  });
});
