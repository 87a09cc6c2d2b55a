import { normalizeRecord } from '../ingest/normalize.js';
import { medianOf, perCpuSecond, type Repeat } from './measure.js';
import { type CaseResult, caseResult } from './results.js';
import type { Corpus } from './traffic.js';

/** Every record through normalizeRecord with format auto-detection, as a Kafka topic of mixed gateways needs. */
export function normalizeAll(lines: readonly string[], now: number): number {
  let events = 0;
  for (const line of lines) {
    const result = normalizeRecord(line, { now });
    if (!result.ok) throw new Error(`bench traffic rejected: ${result.reason}`);
    events += result.events.length;
  }
  return events;
}

/**
 * The least work that reads every field of the same lines: JSON.parse, or for a text line a split
 * on spaces (JSON.parse cannot read it at all).
 */
function bareParse(lines: readonly string[]): number {
  let fields = 0;
  for (const line of lines) {
    if (line.charCodeAt(0) === 123) fields += JSON.parse(line) === null ? 0 : 1;
    else fields += line.split(' ').length;
  }
  return fields;
}

/** Case 1: normalize events/s on one core for one format, vs bare parsing of the same lines. */
export async function normalizeCase(corpus: Corpus, repeat: Repeat): Promise<CaseResult> {
  const now = Date.now();
  const value = await medianOf(repeat, () =>
    perCpuSecond(corpus.hops, () => normalizeAll(corpus.lines, now)),
  );
  const baseline = await medianOf(repeat, () => perCpuSecond(corpus.hops, () => bareParse(corpus.lines)));
  return caseResult({ name: `normalize ${corpus.format}`, value, unit: 'events/s', baseline });
}
