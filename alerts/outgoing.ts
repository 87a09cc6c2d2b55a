import type { BodyStyle } from './config.js';
import { withRoutingKey } from './pagerduty.js';

/** What one attempt sends besides the signed basics: the secret where the receiver wants it, never in the stored body. */
export function outgoing(
  style: BodyStyle,
  body: string,
  secret: string,
): { body: string; headers: Record<string, string> } {
  if (style === 'pagerduty') return { body: withRoutingKey(body, secret), headers: {} };
  if (style === 'splunk') return { body, headers: { Authorization: `Splunk ${secret}` } };
  return { body, headers: {} };
}
