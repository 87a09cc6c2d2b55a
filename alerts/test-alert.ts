import type { Finding } from '../schemas/finding.js';
import type { Incident } from '../schemas/incident.js';
import { type AttemptOutcome, sendAttempt } from './attempt.js';
import { renderAlertBody } from './body.js';
import { incidentUrl, renderIncidentBody } from './incident-body.js';
import { attemptOf } from './outgoing.js';
import type { ResolvedWebhook } from './secrets.js';
import { deliveryIdFor, hopwatchUserAgent } from './signature.js';

/**
 * Test alerts (`hopwatch alert-test`): what each webhook would be sent, built from a finding no
 * detector raises, sent once each with the real signing and style, and never written to the outbox.
 */

export type TestSend = { webhook: string; what: string; outcome: AttemptOutcome };

/** A low-severity finding that says what it is, so that no receiver mistakes it for traffic. */
export function testFinding(now: number): Finding {
  return {
    id: `hopwatch-test-${now}`,
    detector: 'test',
    rule: 'test_alert',
    severity: 'low',
    score: 0,
    originCredential: 'hopwatch:alert-test',
    traceIds: [],
    windowStart: now - 60_000,
    windowEnd: now,
    detectedAt: now,
    summary: 'A test alert sent by `hopwatch alert-test`: this webhook is set up. No traffic raised it.',
    evidence: { test: true },
  };
}

/** What a webhook is sent, in order (an incidents webhook: each version); filters do not apply. */
function testMessages(webhook: ResolvedWebhook, test: TestAlert, publicUrl: string | undefined) {
  const { finding, versions } = test;
  if (webhook.notify === 'findings')
    return [{ what: 'finding', id: finding.id, body: renderAlertBody(finding, webhook.bodyStyle) }];
  return versions.map((incident) => ({
    what: `incident ${incident.change}`,
    id: `incident:${incident.id}:${incident.version}`,
    body: renderIncidentBody(incident, webhook.bodyStyle, incidentUrl(publicUrl, incident.id)),
  }));
}

/** The test finding, and the versions of the incident it opens (the caller tracks them: incidents sit above alerts). */
export type TestAlert = { finding: Finding; versions: readonly Incident[] };

/** Sends each webhook its test messages one after the other, stopping at the first one it does not take. */
export async function sendTestAlerts(
  webhooks: readonly ResolvedWebhook[],
  test: TestAlert,
  publicUrl: string | undefined,
): Promise<TestSend[]> {
  const userAgent = hopwatchUserAgent();
  const sends: TestSend[] = [];
  for (const webhook of webhooks) {
    for (const message of testMessages(webhook, test, publicUrl)) {
      const id = deliveryIdFor(message.id, webhook.name);
      const outcome = await sendAttempt(fetch, attemptOf(webhook, id, message.body, Date.now(), userAgent));
      sends.push({ webhook: webhook.name, what: message.what, outcome });
      if (outcome.kind !== 'delivered') break;
    }
  }
  return sends;
}
