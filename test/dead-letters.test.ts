import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredDeadLetter } from '../schemas/dead-letter.js';
import { bearer, startTestHopwatch, type TestHopwatch } from './helpers/api.js';
import { benignHops } from './helpers/api-traffic.js';

let running: TestHopwatch;
let app: FastifyInstance;

const secret = 'sk-live-0123456789abcdef0123456789abcdef';

beforeAll(async () => {
  running = await startTestHopwatch();
  app = running.hopwatch.app;
});

afterAll(async () => {
  await running?.close();
});

async function ingest(body: string): Promise<void> {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/ingest',
    headers: { ...bearer(running.tokens.ingest), 'content-type': 'application/x-ndjson' },
    payload: body,
  });
  expect(response.statusCode, response.body).toBe(200);
}

async function list(query = '', token = running.tokens.read) {
  const response = await app.inject({
    method: 'GET',
    url: `/v1/dead-letters${query}`,
    headers: bearer(token),
  });
  return { status: response.statusCode, body: response.json() };
}

describe('GET /v1/dead-letters', () => {
  it('lists the records ingest could not read, with the reason, where they came from, and no secret', async () => {
    const [good] = benignHops();
    const future = { ...good!, id: 'from-the-future', ts: Date.now() + 3 * 86_400_000 };
    await ingest(
      [
        JSON.stringify(good),
        'not json at all',
        `{"note": "Authorization: Bearer ${secret}", "cut": `,
        JSON.stringify(future),
      ].join('\n'),
    );
    const { status, body } = await list();
    expect(status, JSON.stringify(body)).toBe(200);
    const letters = body.items as StoredDeadLetter[];
    expect(letters.map((letter) => letter.line).sort()).toEqual([2, 3, 4]);
    const byLine = new Map(letters.map((letter) => [letter.line, letter]));
    expect(byLine.get(2)).toMatchObject({ source: 'http', raw: 'not json at all', rawBytes: 15 });
    expect(byLine.get(2)!.reason).toMatch(/no known format/);
    expect(byLine.get(3)!.reason).toMatch(/not valid JSON/);
    expect(byLine.get(4)).toMatchObject({
      format: 'canonical',
      reason: expect.stringMatching(/ahead of the clock/),
    });
    expect(byLine.get(3)!.raw).toContain('[REDACTED]');
    expect(JSON.stringify(body)).not.toContain(secret);
    expect(new Set(letters.map((letter) => letter.id)).size).toBe(3);
    const received = letters.map((letter) => letter.receivedAt);
    expect(received).toEqual([...received].sort((a, b) => b - a));

    expect(
      (await list('?format=canonical')).body.items.map((letter: StoredDeadLetter) => letter.line),
    ).toEqual([4]);
    expect((await list('?source=kafka')).body.items).toEqual([]);
  });

  it('pages through every dead letter exactly once, newest first', async () => {
    await ingest(Array.from({ length: 23 }, (_, index) => `garbage ${index}`).join('\n'));
    const all = (await list('?limit=1000')).body.items as StoredDeadLetter[];
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '?limit=7' : `?limit=7&cursor=${cursor}`;
      const page = await list(query);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((letter: StoredDeadLetter) => letter.id));
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(all.map((letter) => letter.id));
    expect(new Set(seen).size).toBe(all.length);
    expect(all.length).toBeGreaterThanOrEqual(26);
  });

  it('answers 400 for a bad filter or cursor, and 403 without the read scope', async () => {
    expect((await list('?source=syslog')).status).toBe(400);
    expect((await list('?cursor=nope')).body).toMatchObject({ error: 'bad_request' });
    expect((await list('?from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z')).status).toBe(400);
    expect((await list('', running.tokens.ingest)).status).toBe(403);
  });
});
