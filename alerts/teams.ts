import type { Finding } from '../schemas/finding.js';
import type { Incident } from '../schemas/incident.js';

/**
 * Microsoft Teams (a Workflows webhook, or a channel's incoming webhook): a message holding one
 * Adaptive Card with the title, the summary, the facts, and a button to the incident when
 * `alerts.publicUrl` makes its link absolute.
 */

type Fact = { title: string; value: string };

const iso = (ms: number) => new Date(ms).toISOString();

function message(title: string, text: string, facts: Fact[], link?: { url: string; title: string }): string {
  const actions =
    link !== undefined && /^https?:\/\//.test(link.url) ? [{ type: 'Action.OpenUrl', ...link }] : undefined;
  return JSON.stringify({
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', text: title, size: 'Medium', weight: 'Bolder', wrap: true },
            { type: 'TextBlock', text, wrap: true },
            { type: 'FactSet', facts },
          ],
          actions,
        },
      },
    ],
  });
}

export function teamsFindingMessage(finding: Finding): string {
  const severity = finding.severity.toUpperCase();
  return message(`${severity} hopwatch ${finding.detector}: ${finding.rule}`, finding.summary, [
    { title: 'Origin credential', value: finding.originCredential },
    { title: 'Score', value: String(finding.score) },
    { title: 'Window', value: `${iso(finding.windowStart)} to ${iso(finding.windowEnd)}` },
    { title: 'Finding', value: finding.id },
  ]);
}

export function teamsIncidentMessage(incident: Incident, url: string): string {
  const highlights = incident.highlights.map(
    (highlight) =>
      `- **${highlight.severity.toUpperCase()}** ${highlight.detector}/${highlight.rule}: ${highlight.summary}`,
  );
  return message(
    `${incident.severity.toUpperCase()} hopwatch incident ${incident.change}: ${incident.originCredential}`,
    highlights.join('\n') || 'no findings',
    [
      { title: 'Findings', value: String(incident.findingCount) },
      { title: 'Detectors', value: incident.detectors.join(', ') },
      { title: 'Event time', value: `${iso(incident.firstSeenAt)} to ${iso(incident.lastSeenAt)}` },
      { title: 'Incident', value: `${incident.id} (version ${incident.version})` },
    ],
    { url, title: 'Open the incident' },
  );
}
