import { readFileSync } from 'node:fs';
import { normalizeRecord } from '../../../ingest/normalize.js';

/** The clock the adapter tests read records with: after every sample, so no sample is in the future. */
export const sampleNow = Date.parse('2026-01-01T00:00:00Z');

/** The non-empty lines of a file in fixtures/samples/. */
export function sampleLines(name: string): string[] {
  return readFileSync(new URL(`../../../fixtures/samples/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean);
}

/** The hops one record becomes in `format`; a rejection fails the test with its reason. */
export function hopsOf(format: string, line: string) {
  const result = normalizeRecord(line, { format, now: sampleNow });
  if (!result.ok) throw new Error(result.reason);
  return result.events;
}
