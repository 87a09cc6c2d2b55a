import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertDispatcher } from '../alerts/dispatcher.js';
import { deliveryIdFor } from '../alerts/signature.js';
import { verifyHopwatchSignature } from '../alerts/verify.js';
import {
  alertsConfigFor,
  findingFixture,
  TEST_SECRET_ENV,
  TEST_WEBHOOK_SECRET,
} from './helpers/webhook-findings.js';
import {
  type ReceivedRequest,
  startWebhookReceiver,
  type WebhookReceiver,
  waitUntil,
} from './helpers/webhook-receiver.js';

describe('a receiver verifying what hopwatch sent', () => {
  let hook: WebhookReceiver;
  let dataDir: string;
  let received: ReceivedRequest;
  let header: string;
  let timestamp: number;

  beforeAll(async () => {
    hook = await startWebhookReceiver();
    dataDir = mkdtempSync(join(tmpdir(), 'hopwatch-alerts-signature-'));
    const created = await createAlertDispatcher({
      config: alertsConfigFor([{ name: 'soc', url: hook.url }]),
      dataDir,
      logger: pino({ level: 'silent' }),
      env: TEST_SECRET_ENV,
    });
    if (!created.ok) throw new Error(created.reason);
    created.dispatcher.start();
    await created.dispatcher.enqueue([findingFixture({ id: 'f-signed', summary: 'Ünïcode summary ✓' })]);
    await waitUntil('the finding arrived', () => hook.requests.length === 1);
    await created.dispatcher.stop();
    received = hook.requests[0]!;
    header = String(received.headers['x-hopwatch-signature']);
    timestamp = Number(/^t=(\d+),/.exec(header)?.[1]);
  });

  afterAll(async () => {
    await hook.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('accepts the signature over the exact bytes received', () => {
    expect(verifyHopwatchSignature(TEST_WEBHOOK_SECRET, header, received.rawBody)).toEqual({ ok: true });
    expect(verifyHopwatchSignature(TEST_WEBHOOK_SECRET, header, received.rawBody.toString('utf8'))).toEqual({
      ok: true,
    });
  });

  it('sends the finding as JSON with the delivery id and a hopwatch user agent', () => {
    expect(received.method).toBe('POST');
    expect(received.headers['content-type']).toBe('application/json');
    expect(received.headers['user-agent']).toMatch(/^hopwatch\/\d+\.\d+\.\d+/);
    expect(received.headers['x-hopwatch-delivery']).toBe(deliveryIdFor('f-signed', 'soc'));
    expect(JSON.parse(received.rawBody.toString('utf8'))).toMatchObject({
      id: 'f-signed',
      summary: 'Ünïcode summary ✓',
    });
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  });

  it('rejects a body altered by one byte', () => {
    const altered = Buffer.from(received.rawBody);
    const at = altered.length - 2;
    altered.writeUInt8(altered.readUInt8(at) ^ 1, at);
    expect(verifyHopwatchSignature(TEST_WEBHOOK_SECRET, header, altered)).toEqual({
      ok: false,
      reason: 'no v1 signature matches the body',
    });
  });

  it('rejects a timestamp altered to look fresher', () => {
    const forged = header.replace(/^t=\d+/, `t=${timestamp + 1}`);
    expect(verifyHopwatchSignature(TEST_WEBHOOK_SECRET, forged, received.rawBody).ok).toBe(false);
  });

  it('rejects a signature older or newer than the tolerance', () => {
    const tooLate = verifyHopwatchSignature(TEST_WEBHOOK_SECRET, header, received.rawBody, {
      now: (timestamp + 301) * 1000,
    });
    expect(tooLate).toEqual({
      ok: false,
      reason: 'signature timestamp is 301 s in the past, beyond the 300 s tolerance',
    });
    const early = verifyHopwatchSignature(TEST_WEBHOOK_SECRET, header, received.rawBody, {
      now: new Date((timestamp - 61) * 1000),
      toleranceSeconds: 60,
    });
    expect(early).toEqual({
      ok: false,
      reason: 'signature timestamp is 61 s in the future, beyond the 60 s tolerance',
    });
    const withinTolerance = verifyHopwatchSignature(TEST_WEBHOOK_SECRET, header, received.rawBody, {
      now: (timestamp + 300) * 1000,
    });
    expect(withinTolerance).toEqual({ ok: true });
  });

  it('rejects the wrong secret and accepts any of several secrets or v1 values during a rotation', () => {
    expect(verifyHopwatchSignature('another-secret-0123456789', header, received.rawBody).ok).toBe(false);
    expect(
      verifyHopwatchSignature(['another-secret-0123456789', TEST_WEBHOOK_SECRET], header, received.rawBody),
    ).toEqual({
      ok: true,
    });
    const rotated = `t=${timestamp},v1=${'0'.repeat(64)},${header.split(',')[1]}`;
    expect(verifyHopwatchSignature(TEST_WEBHOOK_SECRET, rotated, received.rawBody)).toEqual({ ok: true });
  });

  it('explains a missing or malformed header', () => {
    expect(verifyHopwatchSignature(TEST_WEBHOOK_SECRET, undefined, received.rawBody)).toEqual({
      ok: false,
      reason: 'missing or repeated X-Hopwatch-Signature header',
    });
    expect(verifyHopwatchSignature(TEST_WEBHOOK_SECRET, 'v1=abc', received.rawBody)).toEqual({
      ok: false,
      reason: 'no timestamp in X-Hopwatch-Signature header',
    });
    expect(verifyHopwatchSignature(TEST_WEBHOOK_SECRET, `t=${timestamp}`, received.rawBody)).toEqual({
      ok: false,
      reason: 'no v1 signature in X-Hopwatch-Signature header',
    });
    expect(verifyHopwatchSignature(TEST_WEBHOOK_SECRET, 't=soon,v1=abc', received.rawBody).ok).toBe(false);
  });
});
