import { enc, type IncidentDetail } from './api.js';
import { FindingRows } from './findings.js';
import { link } from './router.js';
import { Loading, SeverityBadge, time, useApi } from './ui.js';

/** One incident: what it is, how it changed, and its findings with their evidence. */
export function IncidentPage({ id }: { id: string }) {
  const loaded = useApi<IncidentDetail>(`/v1/incidents/${enc(id)}?findings=200`);
  return (
    <Loading loaded={loaded}>
      {({ incident, timeline, findings }) => (
        <section>
          <h1>
            <SeverityBadge severity={incident.severity} /> Incident {incident.state}
          </h1>
          <dl class="facts">
            <dt>origin credential</dt>
            <dd>
              <a href={link('credentials', incident.originCredential)}>{incident.originCredential}</a>
            </dd>
            <dt>findings</dt>
            <dd>{incident.findingCount}</dd>
            <dt>rules</dt>
            <dd>{incident.rules.join(', ')}</dd>
            <dt>event time</dt>
            <dd>
              {time(incident.firstSeenAt)} to {time(incident.lastSeenAt)}
            </dd>
            <dt>id</dt>
            <dd>
              <code>{incident.id}</code>
            </dd>
          </dl>
          <h2>Timeline</h2>
          <ol class="timeline">
            {timeline.map((version) => (
              <li key={version.version}>
                {time(version.changedAt)}: <strong>{version.change}</strong>{' '}
                <SeverityBadge severity={version.severity} /> {version.findingCount} finding(s),{' '}
                {version.detectors.join(', ')}
              </li>
            ))}
          </ol>
          <h2>Findings</h2>
          <FindingRows findings={findings.items} />
          {findings.nextCursor !== null && (
            <p class="muted">
              Showing the latest {findings.items.length} of {incident.findingCount}.
            </p>
          )}
        </section>
      )}
    </Loading>
  );
}
