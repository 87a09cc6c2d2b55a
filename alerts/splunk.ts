/**
 * An event for Splunk's HTTP Event Collector (`/services/collector/event`): what the `hopwatch` style
 * sends, stamped with its event time. The HEC token is the webhook's secret, sent as
 * `Authorization: Splunk <token>` (alerts/outgoing.ts).
 */
export const hecEvent = (ms: number, sourcetype: string, event: unknown): string =>
  JSON.stringify({ time: ms / 1000, source: 'hopwatch', sourcetype, event });
