import { hopwatchNodeFlags } from '../test/helpers/api-process.js';
import { childResult } from './child.js';
import { median } from './measure.js';
import { type CaseResult, caseResult } from './results.js';

const limitBytes = 1.5 * 1024 ** 3;
const mib = (bytes: number) => bytes / 1024 ** 2;

type MemoryRun = {
  /** Once it stopped falling after the last collection. */
  rss: number;
  /** Read as the last collection returned, before V8's threads handed the freed pages back. */
  rssAtOnce: number;
  /** The process's peak. */
  rssPeak: number;
  heapUsed: number;
  heapTotal: number;
  baseRss: number;
  baseHeapUsed: number;
  trackedTraces: number;
  eventsObserved: number;
  detectorState: Record<string, number>;
  seconds: number;
};

/** The fields of a run that are one number, each taken as the median of the runs. */
type NumericField = { [K in keyof MemoryRun]: MemoryRun[K] extends number ? K : never }[keyof MemoryRun];

/**
 * Case 5: RSS and heap of an engine holding `traces` active traces and `credentials` credentials,
 * each the median of `runs` processes: RSS moved by a tenth between processes of the same code.
 */
export async function memoryCase(
  traces: number,
  credentials: number,
  runs: number,
): Promise<{ results: CaseResult[]; note: string }> {
  const all: MemoryRun[] = [];
  for (let run = 0; run < runs; run++) {
    all.push(
      await childResult<MemoryRun>(
        new URL('./memory-child.js', import.meta.url),
        [String(traces), String(credentials)],
        [...hopwatchNodeFlags, '--expose-gc'],
      ),
    );
  }
  const middle = (field: NumericField) => median(all.map((run) => run[field]));
  const measured = {
    ...all[0]!,
    rss: middle('rss'),
    rssAtOnce: middle('rssAtOnce'),
    rssPeak: middle('rssPeak'),
    heapUsed: middle('heapUsed'),
    heapTotal: middle('heapTotal'),
    baseRss: middle('baseRss'),
    baseHeapUsed: middle('baseHeapUsed'),
    seconds: middle('seconds'),
  };
  const rssRange = `${all.map((run) => Math.round(mib(run.rss)).toLocaleString('en-US')).join(', ')} MiB`;
  return {
    results: [
      caseResult({
        name: 'memory RSS (1M traces, 100k credentials)',
        value: mib(measured.rss),
        unit: 'MiB',
        higherIsBetter: false,
        baseline: mib(measured.baseRss),
        target: mib(limitBytes),
      }),
      caseResult({
        name: 'memory heap used (1M traces, 100k credentials)',
        value: mib(measured.heapUsed),
        unit: 'MiB',
        higherIsBetter: false,
        baseline: mib(measured.baseHeapUsed),
      }),
      caseResult({
        name: 'memory peak RSS (1M traces, 100k credentials)',
        value: mib(measured.rssPeak),
        unit: 'MiB',
        higherIsBetter: false,
      }),
    ],
    note: `Memory: median of ${runs} processes (RSS ${rssRange}, read once it had stopped falling for a second after the last collection; read as that collection returned, before V8's threads handed freed pages back, ${Math.round(mib(measured.rssAtOnce)).toLocaleString('en-US')} MiB); ${measured.eventsObserved.toLocaleString('en-US')} hops observed in ${measured.seconds.toFixed(1)} s (each handed over as JSON.parse leaves a decoded record: flat strings, not the chains of pieces the generator's templates make), ${measured.trackedTraces.toLocaleString('en-US')} traces tracked at the end, detector state ${JSON.stringify(measured.detectorState)}; the baseline is the same process before the first hop. Node's own heap limit, as \`hopwatch run\` has it (the case used to raise it to 8 GB, which let the heap grow looser: 2.9–3.8 GB RSS for the same state). The heap holds ${Math.round(mib(measured.heapTotal)).toLocaleString('en-US')} MiB for ${Math.round(mib(measured.heapUsed)).toLocaleString('en-US')} MiB in use: the rest is pages left part-empty by state that died after it was promoted (closed windows, replaced samples) (see “Memory (case 5)” for what was tried). That is ${Math.round((measured.heapUsed - measured.baseHeapUsed) / measured.eventsObserved)} heap bytes per tracked hop (with its share of trace and credential state).`,
  };
}
