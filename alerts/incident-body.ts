import type { Incident } from '../schemas/incident.js';
import { escapeMrkdwn, type SlackMessage, type SlackText } from './body.js';
import type { BodyStyle } from './config.js';
import { pagerDutyIncidentEvent } from './pagerduty.js';
import { hecEvent } from './splunk.js';
import { teamsIncidentMessage } from './teams.js';
import { truncate } from './truncate.js';

/** The API URL of an incident: under `publicUrl` when configured, else the path alone. */
export function incidentUrl(publicUrl: string | undefined, id: string): string {
  const path = `/v1/incidents/${encodeURIComponent(id)}`;
  return publicUrl === undefined ? path : `${publicUrl.replace(/\/+$/, '')}${path}`;
}

/**
 * The exact bytes sent for one change of an incident: `{ event, incident, url }`, for Slack a summary
 * with its most severe findings and a link, for Teams an Adaptive Card, for PagerDuty an event
 * (without its routing key), for Splunk a HEC event around the hopwatch body.
 */
export function renderIncidentBody(incident: Incident, style: BodyStyle, url: string): string {
  if (style === 'slack') return JSON.stringify(slackIncident(incident, url));
  if (style === 'teams') return teamsIncidentMessage(incident, url);
  if (style === 'pagerduty') return pagerDutyIncidentEvent(incident, url);
  const change = { event: incident.change, incident, url };
  return style === 'splunk'
    ? hecEvent(incident.changedAt, 'hopwatch:incident', change)
    : JSON.stringify(change);
}

function slackIncident(incident: Incident, url: string): SlackMessage {
  const severity = incident.severity.toUpperCase();
  const headline = `${severity} incident ${incident.change}: ${incident.originCredential}`;
  const span = `${new Date(incident.firstSeenAt).toISOString()} to ${new Date(incident.lastSeenAt).toISOString()}`;
  const line = (text: string): SlackText => ({ type: 'mrkdwn', text: truncate(text, 2_000) });
  const highlights = incident.highlights.map(
    (highlight) =>
      `• *${highlight.severity.toUpperCase()}* ${escapeMrkdwn(`${highlight.detector}/${highlight.rule}`)}: ${escapeMrkdwn(highlight.summary)}`,
  );
  return {
    text: truncate(`[${severity}] hopwatch ${headline}`, 3_000),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: truncate(headline, 150) } },
      {
        type: 'section',
        fields: [
          line(`*Findings*\n${incident.findingCount}`),
          line(`*Detectors*\n${escapeMrkdwn(incident.detectors.join(', '))}`),
          line(`*Origin credential*\n${escapeMrkdwn(incident.originCredential)}`),
          line(`*Event time*\n${span}`),
        ],
      },
      { type: 'section', text: line(highlights.join('\n') || 'no findings') },
      {
        type: 'context',
        elements: [
          line(`incident ${escapeMrkdwn(incident.id)} · version ${incident.version} · ${escapeMrkdwn(url)}`),
        ],
      },
    ],
  };
}
