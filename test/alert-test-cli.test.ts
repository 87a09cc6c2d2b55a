import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyHopwatchSignature } from '../alerts/verify.js';
import { assertBuilt, spawnHopwatch } from './helpers/api-process.js';
import { TEST_SECRET_ENV, TEST_WEBHOOK_SECRET } from './helpers/webhook-findings.js';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.js';

const dir = mkdtempSync(join(tmpdir(), 'hopwatch-alert-test-'));
let receiver: WebhookReceiver;
beforeAll(async () => {
  assertBuilt();
  receiver = await startWebhookReceiver((request) => ({
    status: request.path.endsWith('/broken') ? 500 : 202,
  }));
});
afterAll(async () => {
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

async function alertTest(args: string[]) {
  const config = join(dir, 'hopwatch.yaml');
  const webhook = (name: string, extra: Record<string, unknown>) => ({
    name,
    url: `${receiver.url}/${name}`,
    secretEnv: 'HOPWATCH_TEST_WEBHOOK_SECRET',
    minSeverity: 'critical',
    ...extra,
  });
  const webhooks = [
    webhook('soc', { notify: 'findings' }),
    webhook('pagerduty', { bodyStyle: 'pagerduty' }),
    webhook('broken', { notify: 'findings', bodyStyle: 'slack' }),
  ];
  writeFileSync(config, JSON.stringify({ alerts: { webhooks, publicUrl: 'https://hopwatch.example.com' } }));
  const process = spawnHopwatch(['alert-test', '-c', config, ...args], TEST_SECRET_ENV);
  return { code: await process.exited, stdout: process.stdout(), stderr: process.stderr() };
}

const to = (name: string) => receiver.requests.filter((request) => request.path.endsWith(`/${name}`));
const bodiesTo = (name: string) => to(name).map((request) => JSON.parse(request.rawBody.toString()));

describe('hopwatch alert-test', () => {
  it('sends each webhook a test alert in its style, signed, whatever its filters, and says what it answered', async () => {
    const { code, stdout, stderr } = await alertTest(['--webhook', 'soc']);
    expect(code, stderr).toBe(0);
    expect(stdout).toBe('soc: test finding: delivered (HTTP 202)\n');
    const [request] = to('soc');
    expect(
      verifyHopwatchSignature(
        TEST_WEBHOOK_SECRET,
        request!.headers['x-hopwatch-signature'],
        request!.rawBody,
      ),
    ).toEqual({ ok: true });
    expect(bodiesTo('soc')).toEqual([
      expect.objectContaining({
        detector: 'test',
        rule: 'test_alert',
        severity: 'low',
        originCredential: 'hopwatch:alert-test',
      }),
    ]);

    const pagerDuty = await alertTest(['--webhook', 'pagerduty']);
    expect(pagerDuty.stdout).toBe(
      'pagerduty: test incident opened: delivered (HTTP 202)\npagerduty: test incident resolved: delivered (HTTP 202)\n',
    );
    const [trigger, resolve] = bodiesTo('pagerduty');
    expect([trigger.event_action, resolve.event_action]).toEqual(['trigger', 'resolve']);
    expect(resolve.dedup_key).toBe(trigger.dedup_key);
    expect(trigger.routing_key).toBe(TEST_WEBHOOK_SECRET);
    expect(`${stdout}${stderr}${pagerDuty.stdout}${pagerDuty.stderr}`).not.toContain(TEST_WEBHOOK_SECRET);
  });

  it('exits 1 naming the answer of a webhook that did not take it, and 2 for a name not configured', async () => {
    const all = await alertTest([]);
    expect(all.code).toBe(1);
    expect(all.stdout).toContain('broken: test finding: not delivered: HTTP 500');
    expect(all.stdout).toContain('soc: test finding: delivered (HTTP 202)');
    const unknown = await alertTest(['--webhook', 'pager']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no webhook named "pager" (configured: soc, pagerduty, broken)');
  });
});
