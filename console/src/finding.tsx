import { useState } from 'preact/hooks';
import { enc, type Finding, type TraceTree } from './api.js';
import { link } from './router.js';
import { LineageTree } from './tree.js';
import { Evidence, Loading, SeverityBadge, time, useApi } from './ui.js';

/** The hop ids a finding's evidence names: its sample and, for a fan-out, the root action. */
function namedHops(finding: Finding): Set<string> {
  const { sampleHopIds, rootHopId } = finding.evidence as { sampleHopIds?: unknown; rootHopId?: unknown };
  const ids = Array.isArray(sampleHopIds) ? sampleHopIds.filter((id) => typeof id === 'string') : [];
  if (typeof rootHopId === 'string') ids.push(rootHopId);
  return new Set(ids);
}

export function FindingPage({ id }: { id: string }) {
  const loaded = useApi<Finding>(`/v1/findings/${enc(id)}`);
  return <Loading loaded={loaded}>{(finding) => <FindingView finding={finding} />}</Loading>;
}

function FindingView({ finding }: { finding: Finding }) {
  const [traceId, setTraceId] = useState(finding.traceIds[0]);
  return (
    <section>
      <h1>
        <SeverityBadge severity={finding.severity} /> {finding.detector}/{finding.rule}
      </h1>
      <p>{finding.summary}</p>
      <dl class="facts">
        <dt>origin credential</dt>
        <dd>
          <a href={link('credentials', finding.originCredential)}>{finding.originCredential}</a>
        </dd>
        <dt>window</dt>
        <dd>
          {time(finding.windowStart)} to {time(finding.windowEnd)}
        </dd>
        <dt>incident</dt>
        <dd>
          {finding.incidentId ? (
            <a href={link('incidents', finding.incidentId)}>{finding.incidentId}</a>
          ) : (
            `none${finding.silencedBy ? ` (silenced by ${finding.silencedBy})` : ''}`
          )}
        </dd>
      </dl>
      <Evidence value={finding.evidence} />
      <h2>Lineage</h2>
      {finding.traceIds.length > 1 && (
        <label>
          Trace{' '}
          <select value={traceId} onChange={(event) => setTraceId(event.currentTarget.value)}>
            {finding.traceIds.map((trace) => (
              <option value={trace}>{trace}</option>
            ))}
          </select>
        </label>
      )}
      {traceId === undefined ? (
        <p class="muted">No trace.</p>
      ) : (
        <Trace traceId={traceId} highlighted={namedHops(finding)} />
      )}
      <p class="legend">
        <span class="swatch offending" /> hops the evidence names · dashed: parent inferred, not logged
      </p>
    </section>
  );
}

function Trace({ traceId, highlighted }: { traceId: string; highlighted: Set<string> }) {
  const loaded = useApi<TraceTree>(`/v1/traces/${enc(traceId)}`);
  return (
    <Loading loaded={loaded}>
      {(trace) =>
        trace.hopCount === 0 ? (
          <p class="muted">No stored hops for trace {traceId} (past store.hopsTtlDays?).</p>
        ) : (
          <>
            <p class="muted">
              trace <code>{trace.traceId}</code>: {trace.hopCount} hops
            </p>
            <LineageTree trace={trace} highlighted={highlighted} />
          </>
        )
      }
    </Loading>
  );
}
