import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, startTestHopwatch, type TestHopwatch } from './helpers/api.js';
import { sampleLines } from './kits/formats/samples.js';

let running: TestHopwatch;

beforeAll(async () => {
  running = await startTestHopwatch();
});

afterAll(async () => {
  await running?.close();
});

const apiGatewayLines = sampleLines('apigateway-agents.ndjson');
const base64 = (text: string | Buffer) => Buffer.from(text).toString('base64');

/** A delivery as Amazon Data Firehose's HTTP endpoint destination sends it (protocol version 1.0). */
function deliver(records: string[], options: { key?: string; gzip?: boolean; requestId?: string } = {}) {
  const requestId = options.requestId ?? crypto.randomUUID();
  const json = JSON.stringify({
    requestId,
    timestamp: Date.now(),
    records: records.map((data) => ({ data })),
  });
  return fetch(`${running.url}/v1/firehose`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-amz-firehose-protocol-version': '1.0',
      'x-amz-firehose-request-id': requestId,
      'x-amz-firehose-source-arn':
        'arn:aws:firehose:us-east-1:123456789012:deliverystream/amazon-apigateway-hopwatch',
      ...(options.key === undefined ? {} : { 'x-amz-firehose-access-key': options.key }),
      ...(options.gzip ? { 'content-encoding': 'gzip' } : {}),
    },
    body: options.gzip ? gzipSync(json) : json,
  });
}

/** What a CloudWatch Logs subscription puts in a Firehose record: a gzip'd JSON message. */
function subscriptionRecord(messageType: string, messages: string[]): string {
  const logEvents = messages.map((message, index) => ({ id: String(index), timestamp: Date.now(), message }));
  const payload = {
    messageType,
    owner: '123456789012',
    logGroup: 'API-Gateway-Execution-Logs',
    logStream: 's',
    logEvents,
  };
  return base64(gzipSync(JSON.stringify(payload)));
}

const stats = () =>
  getJson<{ ingest: { eventsIngested: Record<string, number>; recordsRejected: Record<string, number> } }>(
    running,
    '/v1/stats',
  );

describe('POST /v1/firehose (Amazon Data Firehose HTTP endpoint)', () => {
  it("takes API Gateway's access log lines, one or several a record, gzip'd or not, and answers Firehose's way", async () => {
    const [first, second, ...rest] = apiGatewayLines;
    const response = await deliver([base64(`${first}\n${second}\n`), ...rest.map((line) => base64(line))], {
      key: running.tokens.ingest,
      gzip: true,
      requestId: 'ed4acda5-034f-9f42-bba1-f29aea6d7d8f',
    });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { requestId: string; timestamp: number };
    expect(answer).toEqual({
      requestId: 'ed4acda5-034f-9f42-bba1-f29aea6d7d8f',
      timestamp: expect.any(Number),
    });
    expect((await stats()).ingest.eventsIngested).toMatchObject({ apigateway: apiGatewayLines.length });
  });

  it('reads a CloudWatch Logs subscription through Firehose, and keeps a line it cannot read as a dead letter', async () => {
    const response = await deliver(
      [
        subscriptionRecord('CONTROL_MESSAGE', [
          'CWL CONTROL MESSAGE: Checking health of destination Firehose.',
        ]),
        subscriptionRecord('DATA_MESSAGE', [
          apiGatewayLines[0]!,
          'Execution failed due to configuration error',
        ]),
      ],
      { key: running.tokens.ingest },
    );
    expect(response.status).toBe(200);
    const after = await stats();
    expect(after.ingest.eventsIngested).toMatchObject({ apigateway: apiGatewayLines.length + 1 });
    expect(after.ingest.recordsRejected).toMatchObject({ http: 1 });
  });

  it('wants the access key to be an ingest token, and answers 400 for what is no delivery', async () => {
    expect((await deliver([base64(apiGatewayLines[0]!)])).status).toBe(401);
    expect((await deliver([base64(apiGatewayLines[0]!)], { key: running.tokens.read })).status).toBe(403);
    const cut = gzipSync('{"messageType":"DATA_MESSAGE"}').subarray(0, 12);
    const broken = await deliver([base64(apiGatewayLines[0]!), base64(cut)], { key: running.tokens.ingest });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({
      errorMessage: expect.stringMatching(/^record 2: a gzip'd record does not inflate/),
    });
    const notDelivery = await fetch(`${running.url}/v1/firehose`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-amz-firehose-access-key': running.tokens.ingest },
      body: '{"records": "none"}',
    });
    expect(notDelivery.status).toBe(400);
  });
});
