import type { Finding } from '../schemas/finding.js';
import type { Incident } from '../schemas/incident.js';

/**
 * Splunk's HTTP Event Collector (`/services/collector/event`): the finding, or the incident's change
 * as the `hopwatch` style sends it, as one event stamped with its event time. The HEC token is the
 * webhook's secret, sent as `Authorization: Splunk <token>`.
 */
const hecEvent = (ms: number, sourcetype: string, event: unknown) =>
  JSON.stringify({ time: ms / 1000, source: 'hopwatch', sourcetype, event });

export const splunkFindingEvent = (finding: Finding): string =>
  hecEvent(finding.windowEnd, 'hopwatch:finding', finding);

export const splunkIncidentEvent = (incident: Incident, url: string): string =>
  hecEvent(incident.changedAt, 'hopwatch:incident', { event: incident.change, incident, url });
