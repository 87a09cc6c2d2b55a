import type { Finding, Page } from './api.js';
import { link } from './router.js';
import { Evidence, Loading, SeverityBadge, time, useApi } from './ui.js';

export function FindingRows({ findings }: { findings: Finding[] }) {
  if (findings.length === 0) return <p class="muted">No findings.</p>;
  return (
    <table class="findings">
      <thead>
        <tr>
          <th>severity</th>
          <th>rule</th>
          <th>window end</th>
          <th>summary</th>
        </tr>
      </thead>
      <tbody>
        {findings.map((finding) => (
          <tr key={finding.id} data-finding-id={finding.id}>
            <td>
              <SeverityBadge severity={finding.severity} />
            </td>
            <td>
              {finding.detector}/{finding.rule}
            </td>
            <td>{time(finding.windowEnd)}</td>
            <td>
              <a href={link('findings', finding.id)}>{finding.summary}</a>
              {finding.silencedBy !== undefined && <span class="badge">silenced</span>}
              <Evidence value={finding.evidence} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The latest findings, silenced ones included (marked). */
export function FindingsPage() {
  const loaded = useApi<Page<Finding>>('/v1/findings?limit=100', 10_000);
  return (
    <section>
      <h1>Recent findings</h1>
      <Loading loaded={loaded}>{(page) => <FindingRows findings={page.items} />}</Loading>
    </section>
  );
}
