import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createAlertDispatcher } from '../alerts/dispatcher.js';
import { deliveryIdFor } from '../alerts/signature.js';
import { type DispatcherProcess, forkDispatcher } from './helpers/webhook-dispatcher-process.js';
import { alertsConfigFor, findingFixture, TEST_SECRET_ENV } from './helpers/webhook-findings.js';
import { freePort, startWebhookReceiver, waitUntil } from './helpers/webhook-receiver.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function waitForDelivery(
  dispatcher: DispatcherProcess,
  what: string,
  condition: (attempts: number, state: string) => boolean,
): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const [delivery] = (await dispatcher.list()).items;
    if (delivery !== undefined && condition(delivery.attempts, delivery.state)) return;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting until ${what}: ${JSON.stringify(delivery)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('alert delivery across a crash of the hopwatch process', () => {
  it('delivers exactly once after the receiver comes back, although the dispatcher was killed meanwhile', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hopwatch-alerts-restart-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const port = await freePort();
    const alerts = alertsConfigFor([{ name: 'soc', url: `http://127.0.0.1:${port}/hooks/hopwatch` }]);
    const finding = findingFixture({ id: 'f-survives-crash' });

    const first = await forkDispatcher({ dataDir, alerts, env: TEST_SECRET_ENV });
    cleanups.push(() => first.kill());
    await first.enqueue([finding]);
    await waitForDelivery(first, 'two attempts met a closed port', (attempts) => attempts >= 2);
    await first.kill();

    const hook = await startWebhookReceiver(() => ({ status: 200 }), port);
    cleanups.push(() => hook.close());
    const second = await forkDispatcher({ dataDir, alerts, env: TEST_SECRET_ENV });
    cleanups.push(() => second.kill());
    await second.enqueue([finding]);
    await waitForDelivery(second, 'the delivery was recorded', (_, state) => state === 'delivered');
    await second.stop();

    const third = await forkDispatcher({ dataDir, alerts, env: TEST_SECRET_ENV });
    cleanups.push(() => third.kill());
    await third.enqueue([finding, findingFixture({ id: 'f-barrier' })]);
    await waitUntil('the barrier finding arrived', () => hook.requests.length === 2);

    const deliveryIds = hook.requests.map((request) => request.headers['x-hopwatch-delivery']);
    expect(deliveryIds).toEqual([
      deliveryIdFor('f-survives-crash', 'soc'),
      deliveryIdFor('f-barrier', 'soc'),
    ]);
    const survivor = (await third.list()).items.find((delivery) => delivery.findingId === 'f-survives-crash');
    expect(survivor).toMatchObject({ state: 'delivered', lastStatus: 200 });
    // The attempts against the closed port were recorded before the kill (the very last one may be lost with it).
    expect(survivor!.attempts).toBeGreaterThanOrEqual(2);
  });

  it('refuses to open an outbox that a running hopwatch process is delivering from', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hopwatch-alerts-lock-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const alerts = alertsConfigFor([{ name: 'soc', url: 'http://127.0.0.1:9/hooks/hopwatch' }]);
    const running = await forkDispatcher({ dataDir, alerts, env: TEST_SECRET_ENV });
    cleanups.push(() => running.kill());

    const second = await createAlertDispatcher({
      config: alerts,
      dataDir,
      logger: pino({ level: 'silent' }),
      env: TEST_SECRET_ENV,
    });

    expect(second.ok).toBe(false);
    expect(second.ok ? '' : second.reason).toMatch(/^alerts outbox .+ is in use by process \d+$/);
  });
});
