import { childResult } from './child.js';
import { type OverloadReport, percentile } from './http-load.js';
import { type CaseResult, caseResult } from './results.js';

const batchSize = 500;

/**
 * `hopwatch run` (built CLI, embedded store) offered four times the batch rate it sustains,
 * open loop over loopback, for `seconds`: how /healthz answers meanwhile, what the process holds, and
 * which share of the offer it takes (the rest is answered 503). The client runs in a child process.
 */
export async function overloadCase(seconds: number): Promise<{ results: CaseResult[]; note: string }> {
  // The child is the load's client, with Node's defaults: it starts `hopwatch run` itself.
  const { sustained, report } = await childResult<{ sustained: number; report: OverloadReport }>(
    new URL('./overload-child.js', import.meta.url),
    [String(seconds), String(batchSize)],
    [],
  );
  const taken = (report.statuses['200'] ?? 0) / seconds;
  const other = Object.entries(report.statuses).filter(([status]) => status !== '200' && status !== '503');
  return {
    results: [
      caseResult({
        name: 'overload /healthz p99',
        value: Math.round(percentile(report.healthzMs, 0.99)),
        unit: 'ms',
        higherIsBetter: false,
        target: 100,
      }),
      caseResult({
        name: 'overload peak RSS',
        value: Math.round(report.rssMaxBytes / 1024 ** 2),
        unit: 'MiB',
        higherIsBetter: false,
      }),
      caseResult({
        name: 'overload hops taken',
        value: Math.round(taken * batchSize),
        unit: 'hops/s',
        baseline: Math.round(sustained * batchSize),
      }),
    ],
    note: `Overload: ${batchSize}-hop canonical batches offered open loop at 4× the ${(sustained * batchSize).toFixed(0)} hops/s sustained closed loop, for ${seconds} s: ${report.offered} offered, answers ${JSON.stringify(report.statuses)}${other.length > 0 ? ' (unexpected statuses!)' : ''}, ${Object.keys(report.failures).length === 0 ? 'no connection failures' : `failures ${JSON.stringify(report.failures)}`}; /healthz p50 ${percentile(report.healthzMs, 0.5).toFixed(0)} ms, p99 ${percentile(report.healthzMs, 0.99).toFixed(0)} ms, max ${Math.max(...report.healthzMs).toFixed(0)} ms, ${report.healthzFailures} failed probes (probed every 100 ms from a thread of its own in the client process).`,
  };
}
