import { type AlertsConfig, alertsConfigSchema, type WebhookConfigInput } from '../../alerts/config.js';
import type { Finding } from '../../schemas/finding.js';

export const TEST_WEBHOOK_SECRET = 'whsec-test-0123456789abcdef';
export const TEST_SECRET_ENV = { HOPWATCH_TEST_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET };

/** A fan-out finding as the detectors emit it; override what the test is about. */
export function findingFixture(overrides: Partial<Finding> & { id: string }): Finding {
  return {
    detector: 'fanout',
    rule: 'descendant_calls',
    severity: 'high',
    score: 41,
    originCredential: 'jwt:https://idp.example.com|support-agent',
    traceIds: ['4bf92f3577b34da6a3ce929d0e0e4736'],
    windowStart: 1_760_000_000_000,
    windowEnd: 1_760_000_060_000,
    detectedAt: 1_760_000_061_000,
    summary: 'One ticket action by support-agent expanded into 41 calls to 12 services within 60 s.',
    evidence: { calls: 41, destinations: 12, threshold: { calls: 25, destinations: 10 } },
    ...overrides,
  };
}

/** Webhooks told of each finding, signed with the test secret, with short backoffs so that retries happen within a test. */
export function alertsConfigFor(
  webhooks: Array<Partial<WebhookConfigInput> & { name: string; url: string }>,
): AlertsConfig {
  return alertsConfigSchema.parse({
    webhooks: webhooks.map((webhook) => ({
      secretEnv: 'HOPWATCH_TEST_WEBHOOK_SECRET',
      notify: 'findings',
      minSeverity: 'low',
      backoffBaseMs: 20,
      backoffMaxMs: 100,
      timeoutMs: 2_000,
      ...webhook,
    })),
  });
}
