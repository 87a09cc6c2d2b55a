import type { Finding } from '../schemas/finding.js';
import type { BodyStyle } from './config.js';
import { pagerDutyFindingEvent } from './pagerduty.js';
import { hecEvent } from './splunk.js';
import { teamsFindingMessage } from './teams.js';
import { truncate } from './truncate.js';

// Slack rejects blocks past these lengths.
const SLACK_HEADER_MAX = 150;
const SLACK_TEXT_MAX = 3_000;
const SLACK_FIELD_MAX = 2_000;

/** The exact bytes sent (and signed) on every attempt of one delivery. */
export function renderAlertBody(finding: Finding, style: BodyStyle): string {
  if (style === 'slack') return JSON.stringify(slackMessage(finding));
  if (style === 'teams') return teamsFindingMessage(finding);
  if (style === 'pagerduty') return pagerDutyFindingEvent(finding);
  return style === 'splunk'
    ? hecEvent(finding.windowEnd, 'hopwatch:finding', finding)
    : JSON.stringify(finding);
}

export type SlackText = { type: 'mrkdwn' | 'plain_text'; text: string };

export type SlackMessage = {
  text: string;
  blocks: Array<
    | { type: 'header'; text: SlackText }
    | { type: 'section'; text?: SlackText; fields?: SlackText[] }
    | { type: 'context'; elements: SlackText[] }
  >;
};

function slackMessage(finding: Finding): SlackMessage {
  const severity = finding.severity.toUpperCase();
  const fallback = `[${severity}] hopwatch ${finding.detector}/${finding.rule}: ${finding.summary}`;
  const field = (label: string, value: string): SlackText => ({
    type: 'mrkdwn',
    text: truncate(`*${label}*\n${escapeMrkdwn(value)}`, SLACK_FIELD_MAX),
  });
  const fields = [
    field('Severity', severity),
    field('Detector', `${finding.detector} / ${finding.rule}`),
    field('Origin credential', finding.originCredential),
    field('Score', String(finding.score)),
    field(
      'Window',
      `${new Date(finding.windowStart).toISOString()} to ${new Date(finding.windowEnd).toISOString()}`,
    ),
  ];
  if (finding.credential !== undefined) fields.push(field('Credential', finding.credential));
  return {
    text: truncate(fallback, SLACK_TEXT_MAX),
    blocks: [
      {
        type: 'header',
        text: {
          type: 'plain_text',
          text: truncate(`${severity} ${finding.detector}: ${finding.rule}`, SLACK_HEADER_MAX),
        },
      },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: truncate(escapeMrkdwn(finding.summary), SLACK_TEXT_MAX) },
      },
      { type: 'section', fields },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: truncate(
              `finding ${escapeMrkdwn(finding.id)} · detected ${new Date(finding.detectedAt).toISOString()} · traces ${finding.traceIds.length}`,
              SLACK_TEXT_MAX,
            ),
          },
        ],
      },
    ],
  };
}

// Slack's mrkdwn treats these three as control characters.
export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
