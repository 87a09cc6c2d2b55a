import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { type Activity, type CredentialSummary, enc, type Incident, type Page } from './api.js';
import { link } from './router.js';
import { Loading, SeverityBadge, time, useApi } from './ui.js';

/** One origin credential: its request rate against its own recent median, where it went, its incidents. */
export function CredentialPage({ id }: { id: string }) {
  const summary = useApi<CredentialSummary>(`/v1/credentials/${enc(id)}`);
  const activity = useApi<Activity>(`/v1/credentials/${enc(id)}/activity`);
  const incidents = useApi<Page<Incident>>(`/v1/incidents?originCredential=${enc(id)}&limit=20`);
  return (
    <section>
      <h1>{id}</h1>
      <Loading loaded={summary}>
        {(data) => (
          <p>
            {data.hopCount} hops from {time(data.firstSeen)} to {time(data.lastSeen)};{' '}
            {data.findings.map((entry) => `${entry.count} ${entry.severity} ${entry.detector}`).join(', ') ||
              'no findings'}
          </p>
        )}
      </Loading>
      <h2>Request rate</h2>
      <Loading loaded={activity}>{(data) => <RateChart activity={data} />}</Loading>
      <h2>Incidents</h2>
      <Loading loaded={incidents}>
        {(page) => (
          <ul>
            {page.items.map((incident) => (
              <li key={incident.id}>
                <SeverityBadge severity={incident.severity} />{' '}
                <a href={link('incidents', incident.id)}>
                  {incident.detectors.join(', ')}: {incident.findingCount} finding(s), {incident.state}
                </a>
              </li>
            ))}
          </ul>
        )}
      </Loading>
      <Loading loaded={activity}>{(data) => <Destinations activity={data} />}</Loading>
    </section>
  );
}

function RateChart({ activity }: { activity: Activity }) {
  const target = useRef<HTMLDivElement>(null);
  const peak = Math.max(0, ...activity.buckets.map((bucket) => bucket.hops));
  useEffect(() => {
    const element = target.current;
    if (element === null) return;
    const seconds = activity.buckets.map((bucket) => bucket.start / 1000);
    const chart = new uPlot(
      {
        width: Math.max(320, element.clientWidth),
        height: 280,
        series: [
          {},
          { label: 'hops', stroke: '#1f5fbf', fill: 'rgba(31,95,191,0.12)', width: 1.5 },
          { label: 'recent median', stroke: '#2e8540', dash: [6, 4] },
          { label: 'rate limit', stroke: '#b32d2e', dash: [2, 4] },
          { label: '401/403', stroke: '#9a6700' },
        ],
        axes: [{}, { label: `hops per ${activity.bucketMs / 1000} s` }],
      },
      [
        seconds,
        activity.buckets.map((bucket) => bucket.hops),
        activity.buckets.map((bucket) => bucket.baseline),
        activity.buckets.map(() => activity.threshold),
        activity.buckets.map((bucket) => bucket.authFailures),
      ],
      element,
    );
    return () => chart.destroy();
  }, [activity]);
  return (
    <figure>
      <div ref={target} class="chart" data-peak={peak} />
      <figcaption class="muted">
        Peak {peak} hops in {activity.bucketMs / 1000} s between {time(activity.from)} and {time(activity.to)}
        ; the dashed red line is detectors.rate.maxRequestsPerOrigin for one bucket.
      </figcaption>
    </figure>
  );
}

function Destinations({ activity }: { activity: Activity }) {
  const rows = [
    ...activity.destinations.map((entry) => ({ ...entry, name: entry.service, kind: 'service' })),
    ...activity.tools.map((entry) => ({ ...entry, name: entry.tool, kind: 'tool' })),
  ];
  return (
    <>
      <h2>Destinations and tools</h2>
      <table class="destinations">
        <thead>
          <tr>
            <th>name</th>
            <th>kind</th>
            <th>hops</th>
            <th>first seen</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={`${row.kind}:${row.name}`}>
              <td>
                {row.name} {row.new && <span class="badge new">new</span>}
              </td>
              <td>{row.kind}</td>
              <td class="number">{row.hops}</td>
              <td>{time(row.firstSeen)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
