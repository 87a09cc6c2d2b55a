import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startTestHopwatch, type TestHopwatch } from './helpers/api.js';
import { benignHops, toNdjson } from './helpers/api-traffic.js';

const MAX_BYTES = 64 * 1024;

let running: TestHopwatch;
let app: FastifyInstance;
let ingestHeaders: Record<string, string>;

function post(payload: string, query = '', contentType = 'application/x-ndjson') {
  return app.inject({
    method: 'POST',
    url: `/v1/ingest${query}`,
    headers: { ...ingestHeaders, 'content-type': contentType },
    payload,
  });
}

/** A real chunked upload (no Content-Length) of `chunks`, over the listening socket. */
function postChunked(chunks: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const upload = request(
      `${running.url}/v1/ingest`,
      { method: 'POST', headers: { ...ingestHeaders, 'content-type': 'application/x-ndjson' } },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    // The server may answer and close before the whole body is written.
    upload.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    for (const chunk of chunks) upload.write(chunk);
    upload.end();
  });
}

beforeAll(async () => {
  running = await startTestHopwatch({
    api: { ingestMaxBytes: MAX_BYTES },
    http: { maxConcurrentRequests: 2 },
  });
  app = running.hopwatch.app;
  ingestHeaders = bearer(running.tokens.ingest);
});

afterAll(async () => {
  await running?.close();
});

describe('POST /v1/ingest', () => {
  it('accepts good lines and reports each bad one by line number, keeping it as a dead letter', async () => {
    const [first, second] = benignHops().map((event) => JSON.stringify(event));
    const body = `${first}\nnot json at all\n\n{"some":"object"}\n${second}\n`;
    const response = await post(body);
    expect(response.statusCode, response.body).toBe(200);
    const result = response.json();
    expect(result).toMatchObject({ accepted: 2, rejected: 2, events: 2 });
    expect(result.rejects.map((reject: { line: number }) => reject.line)).toEqual([2, 4]);
    expect(result.rejects.every((reject: { reason: string }) => reject.reason.length > 0)).toBe(true);

    const stats = (
      await app.inject({ method: 'GET', url: '/v1/stats', headers: bearer(running.tokens.read) })
    ).json();
    expect(stats.store.deadLetters).toBeGreaterThanOrEqual(2);
  });

  it('lists a bounded number of rejects but counts them all', async () => {
    const response = await post('garbage\n'.repeat(150));
    expect(response.json()).toMatchObject({ accepted: 0, rejected: 150 });
    expect(response.json().rejects).toHaveLength(100);
  });

  it('does not echo a secret found in a rejected line', async () => {
    const secret = 'sk-live-0123456789abcdef0123456789abcdef';
    const response = await post(`Authorization: Bearer ${secret} and then nonsense\n`);
    expect(response.statusCode).toBe(200);
    expect(response.json().rejected).toBe(1);
    expect(response.body).not.toContain(secret);
  });

  it('decodes every line with the format named in ?format=', async () => {
    const response = await post(toNdjson(benignHops()), '?format=canonical', 'text/plain');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ accepted: 3, rejected: 0 });
  });

  it('answers 400 naming ?format= when the format is unknown', async () => {
    const response = await post(toNdjson(benignHops()), '?format=syslog');
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain('format');
  });

  it('answers 400 for a body without records and 415 for a content type it does not read', async () => {
    expect((await post('\n\n')).statusCode).toBe(400);
    expect((await post(' [ ] ', '', 'application/json')).statusCode).toBe(400);
    const xml = await post('<hop/>', '', 'application/xml');
    expect(xml.statusCode).toBe(415);
    expect(xml.json().error).toBe('unsupported_media_type');
    expect(xml.json().message).toContain('application/json');
  });

  it('reads a JSON array of records (Vector, Fluent Bit), reporting a bad element by its position', async () => {
    const [first, second] = benignHops();
    const body = JSON.stringify([first, 'not json at all', { some: 'object' }, second]);
    const response = await post(body, '', 'application/json; charset=utf-8');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ accepted: 2, rejected: 2, events: 2 });
    expect(response.json().rejects.map((reject: { line: number }) => reject.line)).toEqual([2, 3]);
  });

  it('reads one JSON record (an OTLP/JSON export, pretty-printed), and keeps a body that does not parse', async () => {
    const exported = readFileSync(new URL('../fixtures/samples/otlp-agents.ndjson', import.meta.url), 'utf8');
    const spans = JSON.parse(exported).resourceSpans.flatMap(
      (resource: { scopeSpans: Array<{ spans: unknown[] }> }) =>
        resource.scopeSpans.flatMap((scope) => scope.spans),
    );
    const one = await post(JSON.stringify(JSON.parse(exported), null, 2), '', 'application/json');
    expect(one.statusCode, one.body).toBe(200);
    expect(one.json()).toMatchObject({ accepted: 1, rejected: 0, events: spans.length });

    const readHeaders = bearer(running.tokens.read);
    const deadLetters = async () =>
      (await app.inject({ method: 'GET', url: '/v1/stats', headers: readHeaders })).json().store.deadLetters;
    const before = await deadLetters();
    const cut = await post('{"id": "b1", "ts": ', '', 'application/json');
    expect(cut.statusCode).toBe(200);
    expect(cut.json()).toMatchObject({ accepted: 0, rejected: 1 });
    expect(cut.json().rejects[0].reason).toContain('not valid JSON');
    expect(await deadLetters()).toBe(before + 1);
  });

  it('bounds a JSON body by the same limit, gzip or not', async () => {
    const records = JSON.stringify(Array.from({ length: 200 }, () => benignHops()).flat());
    expect(records.length).toBeGreaterThan(MAX_BYTES);
    const tooBig = await app.inject({
      method: 'POST',
      url: '/v1/ingest',
      headers: { ...ingestHeaders, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: gzipSync(records),
    });
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json().message).toContain('nothing was taken');
    const gzipped = await app.inject({
      method: 'POST',
      url: '/v1/ingest',
      headers: { ...ingestHeaders, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: gzipSync(JSON.stringify(benignHops())),
    });
    expect(gzipped.json()).toMatchObject({ accepted: benignHops().length, rejected: 0 });
  });

  it('reads a gzip body (as HTTP shippers send it), bounds its inflated size, and refuses other encodings', async () => {
    const body = toNdjson(benignHops());
    const gzipped = await app.inject({
      method: 'POST',
      url: '/v1/ingest',
      headers: { ...ingestHeaders, 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' },
      payload: gzipSync(body),
    });
    expect(gzipped.statusCode).toBe(200);
    expect(gzipped.json()).toMatchObject({ accepted: benignHops().length });
    const bomb = await app.inject({
      method: 'POST',
      url: '/v1/ingest',
      headers: { ...ingestHeaders, 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' },
      payload: gzipSync(`${body}\n`.repeat(Math.ceil((4 * MAX_BYTES) / body.length))),
    });
    expect(bomb.statusCode).toBe(413);
    const brotli = await app.inject({
      method: 'POST',
      url: '/v1/ingest',
      headers: { ...ingestHeaders, 'content-type': 'application/x-ndjson', 'content-encoding': 'br' },
      payload: body,
    });
    expect(brotli.statusCode).toBe(415);
    const broken = await app.inject({
      method: 'POST',
      url: '/v1/ingest',
      headers: { ...ingestHeaders, 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' },
      payload: Buffer.from('not gzip at all'),
    });
    expect(broken.statusCode).toBe(400);
  });

  it('answers 503 with Retry-After, before reading the body, past the requests it reads at once', async () => {
    const line = `${JSON.stringify(benignHops()[0])}\n`;
    const held = [0, 1].map(() => {
      const upload = request(`${running.url}/v1/ingest`, {
        method: 'POST',
        headers: { ...ingestHeaders, 'content-type': 'application/x-ndjson' },
      });
      const answered = new Promise<number>((resolve, reject) => {
        upload.on('response', (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        upload.on('error', reject);
      });
      const sent = new Promise<void>((resolve) => upload.write(line, () => resolve()));
      return { upload, answered, sent };
    });
    await Promise.all(held.map(({ sent }) => sent));
    // Both are on the wire; give the server a moment to open their intakes (a probe would take a slot).
    await new Promise((resolve) => setTimeout(resolve, 300));
    const refused = await post(toNdjson(benignHops()));
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json().message).toContain('ingest requests are being read already');
    for (const { upload } of held) upload.end(line);
    expect(await Promise.all(held.map(({ answered }) => answered))).toEqual([200, 200]);
    expect((await post(toNdjson(benignHops()))).statusCode).toBe(200);
  });

  it('answers 415 naming the content types when the request has no Content-Type', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/ingest',
      headers: ingestHeaders,
      payload: Buffer.from(toNdjson(benignHops())),
    });
    expect(response.statusCode).toBe(415);
    expect(response.json().message).toContain('application/x-ndjson');
  });

  it('documents the request body and its 400, 413 and 415 answers in OpenAPI', async () => {
    const headers = bearer(running.tokens.read);
    const spec = (await app.inject({ method: 'GET', url: '/docs/json', headers })).json();
    const operation = spec.paths['/v1/ingest'].post;
    expect(Object.keys(operation.requestBody.content)).toEqual([
      'application/x-ndjson',
      'text/plain',
      'application/json',
    ]);
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '400', '413', '415']));
  });

  it('refuses a body whose Content-Length is over the limit, then serves the next request', async () => {
    const tooBig = await post('x'.repeat(MAX_BYTES + 1));
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json().error).toBe('payload_too_large');
    expect((await post(toNdjson(benignHops()))).statusCode).toBe(200);
  });

  it('stops a chunked body at the limit while streaming, then serves the next request', async () => {
    const line = `${JSON.stringify(benignHops()[0])}\n`;
    const chunk = line.repeat(Math.ceil((8 * 1024) / line.length));
    const response = await postChunked(Array.from({ length: 20 }, () => chunk));
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body).error).toBe('payload_too_large');
    expect((await post(toNdjson(benignHops()))).statusCode).toBe(200);
  });

  it('answers 503 once intake has stopped for shutdown', async () => {
    await running.hopwatch.sources[0]!.stop();
    const response = await post(toNdjson(benignHops()));
    expect(response.statusCode).toBe(503);
    expect(response.json().error).toBe('unavailable');
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
  });
});
