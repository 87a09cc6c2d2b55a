import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertsConfig } from '../alerts/config.js';
import type { AlertDelivery } from '../alerts/delivery.js';
import { type AlertDispatcher, createAlertDispatcher } from '../alerts/dispatcher.js';
import { deliveryIdFor } from '../alerts/signature.js';
import { IncidentTracker } from '../incidents/tracker.js';
import type { Finding } from '../schemas/finding.js';
import type { Incident } from '../schemas/incident.js';
import {
  alertsConfigFor,
  findingFixture,
  TEST_SECRET_ENV,
  TEST_WEBHOOK_SECRET,
} from './helpers/webhook-findings.js';
import {
  type ReceiverScript,
  startWebhookReceiver,
  type WebhookReceiver,
  waitUntil,
} from './helpers/webhook-receiver.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiver(script?: ReceiverScript): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver(script);
  cleanups.push(() => started.close());
  return started;
}

function tempDataDir(): string {
  const dataDir = mkdtempSync(join(tmpdir(), 'hopwatch-alerts-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  return dataDir;
}

async function startDispatcher(
  config: AlertsConfig,
  dataDir = tempDataDir(),
  logger = pino({ level: 'silent' }),
): Promise<AlertDispatcher> {
  const created = await createAlertDispatcher({ config, dataDir, logger, env: TEST_SECRET_ENV });
  if (!created.ok) throw new Error(created.reason);
  cleanups.push(() => created.dispatcher.stop());
  created.dispatcher.start();
  return created.dispatcher;
}

function deliveries(dispatcher: AlertDispatcher): AlertDelivery[] {
  return dispatcher.list({ limit: 1_000 }).items;
}

function settled(dispatcher: AlertDispatcher, count: number): () => boolean {
  return () => deliveries(dispatcher).filter((delivery) => delivery.state !== 'pending').length >= count;
}

function findingIds(hook: WebhookReceiver): string[] {
  return hook.requests.map((request) => (JSON.parse(request.rawBody.toString('utf8')) as Finding).id).sort();
}

/** Delivers one more finding to the same webhook: once it arrived, any retry of the earlier ones would have too. */
async function deliverBarrier(dispatcher: AlertDispatcher, hook: WebhookReceiver, id: string): Promise<void> {
  await dispatcher.enqueue([findingFixture({ id })]);
  await waitUntil(`barrier ${id} arrived`, () => findingIds(hook).includes(id));
}

describe('alert delivery to a real HTTP receiver', () => {
  it('retries a receiver answering 500 three times and records one delivery once it accepts', async () => {
    const hook = await receiver((_, index) => ({ status: index < 3 ? 500 : 200, body: 'try later' }));
    const dispatcher = await startDispatcher(alertsConfigFor([{ name: 'soc', url: hook.url }]));

    await dispatcher.enqueue([findingFixture({ id: 'f-retry' })]);
    await waitUntil('the delivery settled', settled(dispatcher, 1));

    expect(hook.requests).toHaveLength(4);
    expect(new Set(hook.requests.map((request) => request.headers['x-hopwatch-delivery']))).toEqual(
      new Set([deliveryIdFor('f-retry', 'soc')]),
    );
    expect(deliveries(dispatcher)).toEqual([
      expect.objectContaining({
        findingId: 'f-retry',
        webhook: 'soc',
        state: 'delivered',
        attempts: 4,
        lastStatus: 200,
      }),
    ]);
    expect(dispatcher.stats()).toMatchObject({
      pending: 0,
      delivered: 1,
      failed: 0,
      attemptsByOutcome: { http_error: 3, delivered: 1 },
      byWebhook: { soc: { delivered: 1 } },
    });
  });

  it('marks a delivery answered 410 Gone as failed and never retries it', async () => {
    const hook = await receiver((request) =>
      request.rawBody.includes('f-gone') ? { status: 410, body: 'this endpoint is gone' } : { status: 200 },
    );
    const dispatcher = await startDispatcher(alertsConfigFor([{ name: 'old-endpoint', url: hook.url }]));

    await dispatcher.enqueue([findingFixture({ id: 'f-gone' })]);
    await waitUntil('the delivery settled', settled(dispatcher, 1));
    await deliverBarrier(dispatcher, hook, 'f-after-gone');

    expect(findingIds(hook)).toEqual(['f-after-gone', 'f-gone']);
    expect(dispatcher.list({ limit: 10, findingId: 'f-gone' }).items).toEqual([
      expect.objectContaining({
        state: 'failed',
        attempts: 1,
        lastStatus: 410,
        lastError: 'HTTP 410: this endpoint is gone',
      }),
    ]);
    expect(dispatcher.stats().attemptsByOutcome.rejected).toBe(1);
  });

  it('delivers a replayed finding once, also when the replay comes after a restart', async () => {
    const hook = await receiver();
    const config = alertsConfigFor([{ name: 'soc', url: hook.url }]);
    const dataDir = tempDataDir();
    const findings = [findingFixture({ id: 'f-replay-1' }), findingFixture({ id: 'f-replay-2' })];
    const first = await startDispatcher(config, dataDir);

    await Promise.all([first.enqueue(findings), first.enqueue(findings)]);
    await waitUntil('both deliveries settled', settled(first, 2));
    await first.enqueue(findings);
    await deliverBarrier(first, hook, 'f-barrier-1');
    await first.stop();

    const second = await startDispatcher(config, dataDir);
    await second.enqueue(findings);
    await deliverBarrier(second, hook, 'f-barrier-2');

    expect(findingIds(hook)).toEqual(['f-barrier-1', 'f-barrier-2', 'f-replay-1', 'f-replay-2']);
    expect(deliveries(second).filter((delivery) => delivery.findingId?.startsWith('f-replay'))).toEqual([
      expect.objectContaining({ state: 'delivered', attempts: 1 }),
      expect.objectContaining({ state: 'delivered', attempts: 1 }),
    ]);
  });

  it('records a timeout when the receiver answers too late, and delivers on the retry', async () => {
    let release = (): void => undefined;
    const heldUntil = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The retry is held until the timed-out attempt has been inspected: a quick retry would overwrite it.
    const hook = await receiver((_, index) =>
      index === 0 ? { status: 200, delayMs: 1_500 } : { status: 200, heldUntil },
    );
    const dispatcher = await startDispatcher(
      alertsConfigFor([{ name: 'slow', url: hook.url, timeoutMs: 200 }]),
    );

    await dispatcher.enqueue([findingFixture({ id: 'f-slow' })]);
    await waitUntil('the first attempt timed out', () => deliveries(dispatcher)[0]?.attempts === 1);
    expect(deliveries(dispatcher)[0]).toMatchObject({
      state: 'pending',
      lastError: 'no response within 200 ms',
    });
    release();
    await waitUntil('the delivery settled', settled(dispatcher, 1));

    // Two attempts, unless this process stalled past the held retry's own 200 ms timeout (then one more).
    const { attempts } = deliveries(dispatcher)[0]!;
    expect(deliveries(dispatcher)[0]).toMatchObject({ state: 'delivered' });
    expect(hook.requests).toHaveLength(attempts);
    expect(dispatcher.stats().attemptsByOutcome).toMatchObject({ timeout: attempts - 1, delivered: 1 });
  });

  it('waits as long as the receiver asks with Retry-After, up to the configured cap', async () => {
    const retryAfterByFinding: Record<string, string> = { 'f-polite': '1', 'f-greedy': '3600' };
    const hook = await receiver((request) => {
      const { id } = JSON.parse(request.rawBody.toString('utf8')) as Finding;
      const firstAttempt = !hook.requests.some((earlier) => earlier.rawBody.equals(request.rawBody));
      return firstAttempt
        ? { status: 429, headers: { 'Retry-After': retryAfterByFinding[id] ?? '0' } }
        : { status: 200 };
    });
    const dispatcher = await startDispatcher(
      alertsConfigFor([{ name: 'limited', url: hook.url, retryAfterMaxMs: 1_200 }]),
    );

    await dispatcher.enqueue([findingFixture({ id: 'f-polite' }), findingFixture({ id: 'f-greedy' })]);
    await waitUntil('both were throttled', () =>
      deliveries(dispatcher).every((delivery) => delivery.attempts === 1),
    );
    const waits = Object.fromEntries(
      deliveries(dispatcher).map((delivery) => [
        delivery.findingId,
        delivery.nextAttemptAt! - delivery.updatedAt,
      ]),
    );
    // nextAttemptAt is set from the attempt's end, updatedAt a moment later when it is recorded.
    expect(waits['f-polite']).toBeGreaterThanOrEqual(950);
    expect(waits['f-polite']).toBeLessThan(1_100);
    expect(waits['f-greedy']).toBeGreaterThanOrEqual(1_150);
    expect(waits['f-greedy']).toBeLessThan(1_300);
    await waitUntil('both deliveries settled', settled(dispatcher, 2));

    const politeRequests = hook.requests.filter((request) => request.rawBody.includes('f-polite'));
    expect(politeRequests).toHaveLength(2);
    expect(politeRequests[1]!.receivedAt - politeRequests[0]!.receivedAt).toBeGreaterThanOrEqual(990);
    expect(deliveries(dispatcher).map((delivery) => delivery.state)).toEqual(['delivered', 'delivered']);
  });

  it('does not follow a redirect to another host and gives up after maxAttempts', async () => {
    const elsewhere = await receiver();
    const hook = await receiver(() => ({
      status: 302,
      headers: { Location: `http://localhost:${elsewhere.port}/collect` },
    }));
    const dispatcher = await startDispatcher(
      alertsConfigFor([{ name: 'moved', url: hook.url, maxAttempts: 2 }]),
    );

    await dispatcher.enqueue([findingFixture({ id: 'f-redirected' })]);
    await waitUntil('the delivery settled', settled(dispatcher, 1));

    expect(hook.requests).toHaveLength(2);
    expect(elsewhere.requests).toHaveLength(0);
    expect(deliveries(dispatcher)[0]).toMatchObject({
      state: 'failed',
      attempts: 2,
      lastStatus: 302,
      lastError: `redirect 302 to localhost:${elsewhere.port} not followed; gave up after 2 attempts`,
    });
  });

  it('routes each finding only to the webhooks whose severity and detector filters it passes', async () => {
    const pager = await receiver();
    const loops = await receiver();
    const dispatcher = await startDispatcher(
      alertsConfigFor([
        { name: 'pager', url: pager.url, minSeverity: 'high' },
        { name: 'loops', url: loops.url, minSeverity: 'low', detectors: ['recursion'] },
      ]),
    );

    await dispatcher.enqueue([
      findingFixture({ id: 'fanout-low', severity: 'low' }),
      findingFixture({ id: 'fanout-high', severity: 'high' }),
      findingFixture({
        id: 'recursion-critical',
        detector: 'recursion',
        rule: 'cycle',
        severity: 'critical',
      }),
      findingFixture({ id: 'recursion-low', detector: 'recursion', rule: 'depth', severity: 'low' }),
      findingFixture({ id: 'rate-medium', detector: 'rate', rule: 'hard_limit', severity: 'medium' }),
    ]);
    await waitUntil('all deliveries settled', settled(dispatcher, 4));

    expect(findingIds(pager)).toEqual(['fanout-high', 'recursion-critical']);
    expect(findingIds(loops)).toEqual(['recursion-critical', 'recursion-low']);
    expect(
      dispatcher.list({ limit: 10, webhook: 'loops' }).items.map((delivery) => delivery.findingId),
    ).toEqual(['recursion-low', 'recursion-critical']);
  });

  it('sends Slack-compatible blocks with a text fallback when the body style is slack', async () => {
    const slack = await receiver(() => ({ status: 200, body: 'ok' }));
    const dispatcher = await startDispatcher(
      alertsConfigFor([{ name: 'slack', url: slack.url, bodyStyle: 'slack' }]),
    );

    await dispatcher.enqueue([
      findingFixture({ id: 'f-slack', summary: 'Agent <billing-bot> called delete & refund 40 times.' }),
    ]);
    await waitUntil('the delivery settled', settled(dispatcher, 1));

    const message = JSON.parse(slack.requests[0]!.rawBody.toString('utf8'));
    expect(message.text).toBe(
      '[HIGH] hopwatch fanout/descendant_calls: Agent <billing-bot> called delete & refund 40 times.',
    );
    expect(message.blocks.map((block: { type: string }) => block.type)).toEqual([
      'header',
      'section',
      'section',
      'context',
    ]);
    expect(message.blocks[0].text).toEqual({ type: 'plain_text', text: 'HIGH fanout: descendant_calls' });
    expect(message.blocks[1].text.text).toBe(
      'Agent &lt;billing-bot&gt; called delete &amp; refund 40 times.',
    );
    expect(message.blocks[2].fields).toContainEqual({
      type: 'mrkdwn',
      text: '*Origin credential*\njwt:https://idp.example.com|support-agent',
    });
    expect(message.blocks[3].elements[0].text).toContain('finding f-slack');
    expect(message.evidence).toBeUndefined();
  });

  it('tells an incidents webhook of opened, escalated and resolved only, as Slack blocks linking to the incident', async () => {
    const slack = await receiver(() => ({ status: 200, body: 'ok' }));
    const config = alertsConfigFor([
      { name: 'slack', url: slack.url, bodyStyle: 'slack', notify: 'incidents' },
    ]);
    const dispatcher = await startDispatcher({ ...config, publicUrl: 'https://hopwatch.example.com/' });
    const versions: Incident[] = [];
    const tracker = new IncidentTracker({ quietMs: 60_000, maxOpen: 10 }, (incident) =>
      versions.push(incident),
    );
    const probe = (id: string, minute: number, overrides: Partial<Finding> = {}) =>
      findingFixture({ id, windowEnd: 1_760_000_000_000 + minute * 60_000, ...overrides });
    tracker.add(probe('f1', 0, { severity: 'medium', summary: 'Agent <x> & y deleted 5 documents.' }));
    tracker.add(probe('f2', 0.5, { severity: 'medium' }));
    tracker.add(probe('f3', 0.7, { severity: 'critical', detector: 'rate', rule: 'origin_rate' }));
    tracker.advance(1_760_000_000_000 + 10 * 60_000);

    await dispatcher.enqueue([], versions);
    await waitUntil('the deliveries settled', settled(dispatcher, 3));
    // One incident's changes go out one at a time, in order.
    const messages = slack.requests.map((request) => JSON.parse(request.rawBody.toString('utf8')));
    expect(messages.map((message) => message.blocks[0].text.text)).toEqual([
      'MEDIUM incident opened: jwt:https://idp.example.com|support-agent',
      'CRITICAL incident escalated: jwt:https://idp.example.com|support-agent',
      'CRITICAL incident resolved: jwt:https://idp.example.com|support-agent',
    ]);
    const resolved = messages[2];
    expect(resolved.blocks[2].text.text).toContain('*CRITICAL* rate/origin_rate');
    expect(resolved.blocks[2].text.text).toContain('Agent &lt;x&gt; &amp; y deleted 5 documents.');
    expect(resolved.blocks[3].elements[0].text).toContain(
      `https://hopwatch.example.com/v1/incidents/${versions[0]!.id}`,
    );
    expect(deliveries(dispatcher).every((delivery) => delivery.incidentId === versions[0]!.id)).toBe(true);
  });

  it('sends PagerDuty Events API v2 events keyed by incident, its routing key never written to the outbox', async () => {
    const accepted = JSON.stringify({ status: 'success', message: 'Event processed' });
    const pagerDuty = await receiver(() => ({ status: 202, body: accepted }));
    const dataDir = tempDataDir();
    const config = alertsConfigFor([
      { name: 'pagerduty', url: pagerDuty.url, bodyStyle: 'pagerduty', notify: 'incidents' },
      { name: 'pagerduty-findings', url: pagerDuty.url, bodyStyle: 'pagerduty', minSeverity: 'high' },
    ]);
    const dispatcher = await startDispatcher(
      { ...config, publicUrl: 'https://hopwatch.example.com' },
      dataDir,
    );
    const versions: Incident[] = [];
    const tracker = new IncidentTracker({ quietMs: 60_000, maxOpen: 10 }, (incident) =>
      versions.push(incident),
    );
    const at = (minute: number) => 1_760_000_000_000 + minute * 60_000;
    const findings = [
      findingFixture({ id: 'p1', severity: 'medium', windowEnd: at(0) }),
      findingFixture({
        id: 'p2',
        severity: 'critical',
        detector: 'rate',
        rule: 'origin_rate',
        windowEnd: at(1),
      }),
    ];
    for (const finding of findings) tracker.add(finding);
    tracker.advance(at(10));

    await dispatcher.enqueue(findings, versions);
    await waitUntil('the deliveries settled', settled(dispatcher, 4));
    const events = pagerDuty.requests.map((request) => JSON.parse(request.rawBody.toString('utf8')));
    const incidentKey = `hopwatch-incident:${versions[0]!.id}`;
    const ofIncident = events.filter((event) => event.dedup_key === incidentKey);
    expect(ofIncident.map((event) => event.event_action)).toEqual(['trigger', 'trigger', 'resolve']);
    expect(events.every((event) => event.routing_key === TEST_WEBHOOK_SECRET)).toBe(true);
    expect(ofIncident[0]).toMatchObject({
      client: 'hopwatch',
      links: [
        { href: `https://hopwatch.example.com/v1/incidents/${versions[0]!.id}`, text: 'hopwatch incident' },
      ],
      payload: {
        summary: expect.stringMatching(
          /^MEDIUM hopwatch incident opened: jwt:https:\/\/idp\.example\.com\|support-agent: /,
        ),
        source: 'jwt:https://idp.example.com|support-agent',
        severity: 'warning',
        timestamp: new Date(at(0)).toISOString(),
        class: 'fanout/descendant_calls',
        custom_details: { incident: versions[0]!.id, version: 1, change: 'opened', findings: 1 },
      },
    });
    expect(ofIncident[1].payload).toMatchObject({ severity: 'critical', class: 'rate/origin_rate' });
    expect(ofIncident[2]).toEqual({
      routing_key: TEST_WEBHOOK_SECRET,
      event_action: 'resolve',
      dedup_key: incidentKey,
      client: 'hopwatch',
    });
    // notify: findings, at least high: the critical one only.
    expect(events.filter((event) => event.dedup_key.startsWith('hopwatch-finding:'))).toEqual([
      expect.objectContaining({
        event_action: 'trigger',
        dedup_key: 'hopwatch-finding:p2',
        payload: expect.objectContaining({ severity: 'critical', component: 'rate' }),
      }),
    ]);
    await dispatcher.stop();
    expect(readFileSync(join(dataDir, 'alerts', 'outbox.jsonl'), 'utf8')).not.toContain(TEST_WEBHOOK_SECRET);
  });

  it("sends Splunk HTTP Event Collector events in event time, the token as Splunk's Authorization", async () => {
    const splunk = await receiver(() => ({ status: 200, body: '{"text":"Success","code":0}' }));
    const dataDir = tempDataDir();
    const dispatcher = await startDispatcher(
      alertsConfigFor([
        { name: 'splunk', url: `${splunk.url}/services/collector/event`, bodyStyle: 'splunk' },
        { name: 'splunk-incidents', url: splunk.url, bodyStyle: 'splunk', notify: 'incidents' },
      ]),
      dataDir,
    );
    const finding = findingFixture({ id: 'f-hec' });
    const versions: Incident[] = [];
    new IncidentTracker({ quietMs: 60_000, maxOpen: 10 }, (incident) => versions.push(incident)).add(finding);

    await dispatcher.enqueue([finding], versions);
    await waitUntil('the deliveries settled', settled(dispatcher, 2));
    expect(splunk.requests.map((request) => request.headers.authorization)).toEqual([
      `Splunk ${TEST_WEBHOOK_SECRET}`,
      `Splunk ${TEST_WEBHOOK_SECRET}`,
    ]);
    const events = splunk.requests.map((request) => JSON.parse(request.rawBody.toString('utf8')));
    expect(events).toContainEqual({
      time: finding.windowEnd / 1000,
      source: 'hopwatch',
      sourcetype: 'hopwatch:finding',
      event: finding,
    });
    expect(events).toContainEqual({
      time: versions[0]!.changedAt / 1000,
      source: 'hopwatch',
      sourcetype: 'hopwatch:incident',
      event: { event: 'opened', incident: versions[0], url: `/v1/incidents/${versions[0]!.id}` },
    });
    await dispatcher.stop();
    expect(readFileSync(join(dataDir, 'alerts', 'outbox.jsonl'), 'utf8')).not.toContain(TEST_WEBHOOK_SECRET);
  });

  it('sends Microsoft Teams an Adaptive Card: the finding, or the incident with a button to it', async () => {
    const teams = await receiver(() => ({ status: 202 }));
    const config = alertsConfigFor([
      { name: 'teams', url: `${teams.url}/findings`, bodyStyle: 'teams' },
      { name: 'teams-incidents', url: `${teams.url}/incidents`, bodyStyle: 'teams', notify: 'incidents' },
    ]);
    const dispatcher = await startDispatcher({ ...config, publicUrl: 'https://hopwatch.example.com' });
    const finding = findingFixture({ id: 'f-teams' });
    const versions: Incident[] = [];
    new IncidentTracker({ quietMs: 60_000, maxOpen: 10 }, (incident) => versions.push(incident)).add(finding);

    await dispatcher.enqueue([finding], versions);
    await waitUntil('the deliveries settled', settled(dispatcher, 2));
    const card = (path: string) => {
      const request = teams.requests.find((each) => each.path.endsWith(path))!;
      const message = JSON.parse(request.rawBody.toString('utf8'));
      expect(message).toMatchObject({
        type: 'message',
        attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive' }],
      });
      return message.attachments[0].content;
    };
    const ofFinding = card('/findings');
    expect(ofFinding).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(ofFinding.body.map((element: { type: string }) => element.type)).toEqual([
      'TextBlock',
      'TextBlock',
      'FactSet',
    ]);
    expect(ofFinding.body[0].text).toBe('HIGH hopwatch fanout: descendant_calls');
    expect(ofFinding.body[1].text).toBe(finding.summary);
    expect(ofFinding.body[2].facts).toContainEqual({
      title: 'Origin credential',
      value: 'jwt:https://idp.example.com|support-agent',
    });
    expect(ofFinding.actions).toBeUndefined();
    const ofIncident = card('/incidents');
    expect(ofIncident.body[0].text).toBe(
      'HIGH hopwatch incident opened: jwt:https://idp.example.com|support-agent',
    );
    expect(ofIncident.body[1].text).toContain('**HIGH** fanout/descendant_calls');
    expect(ofIncident.actions).toEqual([
      {
        type: 'Action.OpenUrl',
        url: `https://hopwatch.example.com/v1/incidents/${versions[0]!.id}`,
        title: 'Open the incident',
      },
    ]);
  });

  it("holds an incident's later changes while an earlier one is retried, and other incidents' not", async () => {
    const changeOf = (request: { rawBody: Buffer }) => {
      const { event, incident } = JSON.parse(request.rawBody.toString('utf8'));
      return `${incident.originCredential} ${event}`;
    };
    // The first two attempts at a's opening fail; b's changes need not wait for it.
    let aOpenings = 0;
    const hook = await receiver((request) => ({
      status: changeOf(request) === 'a opened' && ++aOpenings <= 2 ? 503 : 200,
    }));
    const dispatcher = await startDispatcher(
      alertsConfigFor([{ name: 'soc', url: hook.url, notify: 'incidents', concurrency: 4 }]),
    );
    const versions: Incident[] = [];
    const tracker = new IncidentTracker({ quietMs: 60_000, maxOpen: 10 }, (incident) =>
      versions.push(incident),
    );
    const at = (minute: number) => 1_760_000_000_000 + minute * 60_000;
    for (const origin of ['a', 'b']) {
      tracker.add(
        findingFixture({ id: `${origin}1`, originCredential: origin, severity: 'medium', windowEnd: at(0) }),
      );
      tracker.add(
        findingFixture({
          id: `${origin}2`,
          originCredential: origin,
          severity: 'critical',
          windowEnd: at(1),
        }),
      );
    }
    tracker.advance(at(10));
    expect(versions.map((incident) => `${incident.originCredential} ${incident.change}`).sort()).toEqual([
      'a escalated',
      'a opened',
      'a resolved',
      'b escalated',
      'b opened',
      'b resolved',
    ]);

    await dispatcher.enqueue([], versions);
    await waitUntil('the deliveries settled', settled(dispatcher, 6));
    const arrived = hook.requests.map(changeOf);
    expect(arrived.filter((change) => change.startsWith('a '))).toEqual([
      'a opened',
      'a opened',
      'a opened',
      'a escalated',
      'a resolved',
    ]);
    expect(arrived.filter((change) => change.startsWith('b '))).toEqual([
      'b opened',
      'b escalated',
      'b resolved',
    ]);
    expect(arrived.indexOf('b resolved')).toBeLessThan(arrived.lastIndexOf('a opened'));
  });

  it('keeps the secret, the signature and the webhook URL out of the logs', async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'trace' },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const hook = await receiver((_, index) => ({ status: [500, 429, 200][index] ?? 400, body: 'no' }));
    const dispatcher = await startDispatcher(
      alertsConfigFor([{ name: 'audited', url: `${hook.url}/T000/B000/XXXXSECRETPATH` }]),
      tempDataDir(),
      logger,
    );

    await dispatcher.enqueue([findingFixture({ id: 'f-audited' })]);
    await waitUntil('the delivery was logged', () => lines.some((line) => line.includes('alert delivered')));

    const log = lines.join('');
    expect(log).toContain('"webhook":"audited"');
    expect(log).toContain('alert delivery will be retried');
    expect(log).not.toContain(TEST_WEBHOOK_SECRET);
    expect(log).not.toContain('XXXXSECRETPATH');
    expect(log).not.toContain(String(hook.requests[0]!.headers['x-hopwatch-signature']));
  });

  it('keeps at most `concurrency` requests in flight to one webhook', async () => {
    const hook = await receiver(() => ({ status: 200, delayMs: 100 }));
    const dispatcher = await startDispatcher(
      alertsConfigFor([{ name: 'narrow', url: hook.url, concurrency: 2 }]),
    );

    await dispatcher.enqueue([1, 2, 3, 4, 5, 6].map((n) => findingFixture({ id: `f-parallel-${n}` })));
    await waitUntil('all deliveries settled', settled(dispatcher, 6));

    expect(hook.requests).toHaveLength(6);
    expect(hook.maxConcurrent()).toBe(2);
  });

  it('reads only the start of an endless error body and retries instead of hanging until the timeout', async () => {
    // The retry is held until the first attempt has been inspected: a quick retry would overwrite it.
    let release = (): void => undefined;
    const heldUntil = new Promise<void>((resolve) => {
      release = resolve;
    });
    const hook = await receiver((_, index) =>
      index === 0 ? { status: 500, endlessBody: true } : { status: 200, heldUntil },
    );
    const dispatcher = await startDispatcher(
      alertsConfigFor([{ name: 'chatty', url: hook.url, timeoutMs: 5_000, maxResponseBytes: 1_024 }]),
    );

    await dispatcher.enqueue([findingFixture({ id: 'f-chatty' })]);
    await waitUntil('the first attempt was recorded', () => deliveries(dispatcher)[0]?.attempts === 1);

    expect(deliveries(dispatcher)[0]).toMatchObject({
      lastStatus: 500,
      lastError: `HTTP 500: ${'x'.repeat(200)}`,
    });
    release();
    await waitUntil('the delivery settled', settled(dispatcher, 1));
    expect(dispatcher.stats().attemptsByOutcome).toMatchObject({ http_error: 1, timeout: 0, delivered: 1 });
  });

  it('makes enqueue wait while the outbox holds maxPending undelivered alerts', async () => {
    let release = (): void => undefined;
    const heldUntil = new Promise<void>((resolve) => {
      release = resolve;
    });
    const hook = await receiver(() => ({ status: 200, heldUntil }));
    const config = alertsConfigFor([{ name: 'stuck', url: hook.url }]);
    const dispatcher = await startDispatcher({ ...config, outbox: { ...config.outbox, maxPending: 2 } });

    await dispatcher.enqueue([findingFixture({ id: 'f-1' }), findingFixture({ id: 'f-2' })]);
    let thirdAccepted = false;
    const third = dispatcher.enqueue([findingFixture({ id: 'f-3' })]).then(() => {
      thirdAccepted = true;
    });
    await waitUntil('both deliveries reached the receiver', () => hook.requests.length === 2);
    expect(thirdAccepted).toBe(false);
    expect(dispatcher.stats().pending).toBe(2);

    release();
    await third;
    await waitUntil('all deliveries settled', settled(dispatcher, 3));
    expect(findingIds(hook)).toEqual(['f-1', 'f-2', 'f-3']);
  });
});
