import { useState } from 'preact/hooks';
import { enc, get, type Incident, type Page } from './api.js';
import { link } from './router.js';
import { Loading, SeverityBadge, time, useApi } from './ui.js';

const refreshMs = 10_000;

/** What is burning: incidents as they stand, latest activity first, refreshed while the page is open. */
export function IncidentsPage() {
  const [state, setState] = useState('');
  const [severity, setSeverity] = useState('');
  const query = new URLSearchParams({ limit: '50' });
  if (state) query.set('state', state);
  if (severity) query.set('severity', severity);
  const loaded = useApi<Page<Incident>>(`/v1/incidents?${query}`, refreshMs);
  return (
    <section>
      <h1>Incidents</h1>
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <label>
          State{' '}
          <select value={state} onChange={(event) => setState(event.currentTarget.value)}>
            <option value="">any</option>
            <option value="open">open</option>
            <option value="resolved">resolved</option>
          </select>
        </label>
        <label>
          Severity{' '}
          <select value={severity} onChange={(event) => setSeverity(event.currentTarget.value)}>
            <option value="">any</option>
            {['critical', 'high', 'medium', 'low'].map((name) => (
              <option value={name}>{name}</option>
            ))}
          </select>
        </label>
        <span class="muted">refreshes every {refreshMs / 1000} s</span>
      </form>
      <Loading loaded={loaded}>
        {(page) => <IncidentTable key={query.toString()} first={page} query={query.toString()} />}
      </Loading>
    </section>
  );
}

function IncidentTable({ first, query }: { first: Page<Incident>; query: string }) {
  const [extra, setExtra] = useState<Incident[]>([]);
  // undefined until "More" was used: then the cursor of the last page loaded.
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const next = cursor === undefined ? first.nextCursor : cursor;
  const loadMore = async () => {
    if (next === null) return;
    const page = await get<Page<Incident>>(`/v1/incidents?${query}&cursor=${enc(next)}`);
    setExtra([...extra, ...page.items]);
    setCursor(page.nextCursor);
  };
  // The first page refreshes: an incident it now holds is not listed again below it.
  const onFirst = new Set(first.items.map((incident) => incident.id));
  const rows = [...first.items, ...extra.filter((incident) => !onFirst.has(incident.id))];
  if (rows.length === 0) return <p class="muted">No incidents.</p>;
  return (
    <>
      <table class="incidents">
        <thead>
          <tr>
            <th>severity</th>
            <th>origin credential</th>
            <th>detectors</th>
            <th>findings</th>
            <th>first seen</th>
            <th>last seen</th>
            <th>state</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((incident) => (
            <tr key={incident.id} data-incident-id={incident.id}>
              <td>
                <SeverityBadge severity={incident.severity} />
              </td>
              <td>
                <a href={link('incidents', incident.id)}>{incident.originCredential}</a>
              </td>
              <td>{incident.detectors.join(', ')}</td>
              <td class="number">{incident.findingCount}</td>
              <td>{time(incident.firstSeenAt)}</td>
              <td>{time(incident.lastSeenAt)}</td>
              <td>{incident.state}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {next !== null && (
        <button type="button" onClick={loadMore}>
          More
        </button>
      )}
    </>
  );
}
