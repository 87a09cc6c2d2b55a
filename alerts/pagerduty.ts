import type { Finding, Severity } from '../schemas/finding.js';
import type { Incident } from '../schemas/incident.js';
import { truncate } from './truncate.js';

/**
 * PagerDuty Events API v2 (`https://events.pagerduty.com/v2/enqueue`): an incident's opening and
 * escalation trigger the alert its dedup key names, its resolution resolves it; a finding triggers one
 * of its own. The routing key is the webhook's secret, put in as each attempt is sent, so that the
 * outbox, which keeps bodies on disk, never holds it.
 */

type PagerDutySeverity = 'info' | 'warning' | 'error' | 'critical';

const severityOf: Record<Severity, PagerDutySeverity> = {
  low: 'info',
  medium: 'warning',
  high: 'error',
  critical: 'critical',
};

// PagerDuty's limits for these fields.
const SUMMARY_MAX = 1_024;
const DEDUP_KEY_MAX = 255;

const iso = (ms: number) => new Date(ms).toISOString();
const dedupKey = (kind: string, id: string) => truncate(`hopwatch-${kind}:${id}`, DEDUP_KEY_MAX);
/** Links must be absolute: only when `alerts.publicUrl` made them so. */
const linksTo = (url: string, text: string) => (/^https?:\/\//.test(url) ? [{ href: url, text }] : undefined);

export function pagerDutyIncidentEvent(incident: Incident, url: string): string {
  const dedup_key = dedupKey('incident', incident.id);
  if (incident.change === 'resolved')
    return JSON.stringify({ event_action: 'resolve', dedup_key, client: 'hopwatch' });
  const top = incident.highlights[0];
  const headline = `${incident.severity.toUpperCase()} hopwatch incident ${incident.change}: ${incident.originCredential}`;
  return JSON.stringify({
    event_action: 'trigger',
    dedup_key,
    payload: {
      summary: truncate(top === undefined ? headline : `${headline}: ${top.summary}`, SUMMARY_MAX),
      source: incident.originCredential,
      severity: severityOf[incident.severity],
      timestamp: iso(incident.changedAt),
      component: top?.detector,
      group: 'hopwatch',
      class: top === undefined ? undefined : `${top.detector}/${top.rule}`,
      custom_details: {
        incident: incident.id,
        version: incident.version,
        change: incident.change,
        findings: incident.findingCount,
        rules: incident.rules,
        firstSeenAt: iso(incident.firstSeenAt),
        lastSeenAt: iso(incident.lastSeenAt),
        highlights: incident.highlights,
      },
    },
    links: linksTo(url, 'hopwatch incident'),
    client: 'hopwatch',
  });
}

export function pagerDutyFindingEvent(finding: Finding): string {
  return JSON.stringify({
    event_action: 'trigger',
    dedup_key: dedupKey('finding', finding.id),
    payload: {
      summary: truncate(
        `${finding.severity.toUpperCase()} hopwatch ${finding.detector}/${finding.rule}: ${finding.summary}`,
        SUMMARY_MAX,
      ),
      source: finding.originCredential,
      severity: severityOf[finding.severity],
      timestamp: iso(finding.windowEnd),
      component: finding.detector,
      group: 'hopwatch',
      class: `${finding.detector}/${finding.rule}`,
      custom_details: {
        finding: finding.id,
        score: finding.score,
        credential: finding.credential,
        windowStart: iso(finding.windowStart),
        windowEnd: iso(finding.windowEnd),
        traceIds: finding.traceIds,
        evidence: finding.evidence,
      },
    },
    client: 'hopwatch',
  });
}

/** The body as sent: the stored event with the routing key first. */
export function withRoutingKey(body: string, routingKey: string): string {
  return `{"routing_key":${JSON.stringify(routingKey)},${body.slice(1)}`;
}
