import type { AttemptRequest } from './attempt.js';
import type { BodyStyle } from './config.js';
import { withRoutingKey } from './pagerduty.js';
import type { ResolvedWebhook } from './secrets.js';
import { deliveryHeaders } from './signature.js';

/** What a style adds to a stored body as it is sent: the secret where the receiver wants it, never stored. */
function styled(
  style: BodyStyle,
  body: string,
  secret: string,
): { body: string; headers: Record<string, string> } {
  if (style === 'pagerduty') return { body: withRoutingKey(body, secret), headers: {} };
  if (style === 'splunk') return { body, headers: { Authorization: `Splunk ${secret}` } };
  return { body, headers: {} };
}

/** One attempt of a delivery as it goes out: the webhook's style applied to the stored body, signed afresh. */
export function attemptOf(
  webhook: ResolvedWebhook,
  deliveryId: string,
  storedBody: string,
  now: number,
  userAgent: string,
): AttemptRequest {
  const secret = webhook.secret.reveal();
  const { body, headers } = styled(webhook.bodyStyle, storedBody, secret);
  return {
    url: webhook.url,
    headers: { ...deliveryHeaders(secret, deliveryId, body, now, userAgent), ...headers },
    body,
    timeoutMs: webhook.timeoutMs,
    maxResponseBytes: webhook.maxResponseBytes,
    now,
  };
}
