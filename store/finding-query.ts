import type { FindingCursor } from './cursor.js';
import { findingColumns } from './rows.js';
import type { FindingFilter } from './types.js';

export type BoundQuery = { query: string; params: Record<string, unknown> };

/** A bound epoch-ms parameter as the DateTime64 it is compared with. */
export const instant = (name: string) => `fromUnixTimestamp64Milli({${name}:Int64}, 'UTC')`;

/**
 * One page of findings, newest first by (windowEnd, id), deduplicated with FINAL. The keyset
 * condition `(windowEnd, id) < cursor` makes pages stable under concurrent inserts: a row is on
 * exactly one page of a walk, and rows inserted meanwhile appear on a later page only if they sort
 * after the cursor. Bounds on windowEnd are repeated on windowStart (windowStart ≤ windowEnd), a
 * sorting-key column, so that whole granules are skipped. Every value is a bound parameter.
 */
export function findingPageQuery(
  table: string,
  filter: FindingFilter,
  after: FindingCursor | null,
  limit: number,
): BoundQuery {
  const conditions: string[] = [];
  const params: Record<string, unknown> = { limit };
  if (filter.detector !== undefined) {
    conditions.push('detector = {detector:String}');
    params.detector = filter.detector;
  }
  if (filter.severity !== undefined) {
    conditions.push('severity = {severity:String}');
    params.severity = filter.severity;
  }
  if (filter.originCredential !== undefined) {
    conditions.push('originCredential = {originCredential:String}');
    params.originCredential = filter.originCredential;
  }
  if (filter.incidentId !== undefined) {
    conditions.push('incidentId = {incidentId:String}');
    params.incidentId = filter.incidentId;
  }
  if (filter.from !== undefined) {
    conditions.push(`windowEnd >= ${instant('from')}`);
    params.from = filter.from;
  }
  if (filter.to !== undefined) {
    conditions.push(`windowEnd < ${instant('to')}`, `windowStart < ${instant('to')}`);
    params.to = filter.to;
  }
  if (after !== null) {
    conditions.push(
      `(windowEnd, id) < (${instant('afterEnd')}, {afterId:String})`,
      `windowStart <= ${instant('afterEnd')}`,
    );
    params.afterEnd = after.windowEnd;
    params.afterId = after.id;
  }
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  return {
    // The inner query filters and sorts on the DateTime64 columns (the key can prune); the outer one
    // renders them as epoch ms under the same names, which would shadow the columns in a single SELECT.
    query: `SELECT ${findingColumns} FROM (
        SELECT * FROM ${table} FINAL ${where} ORDER BY windowEnd DESC, id DESC LIMIT {limit:UInt32}
      ) ORDER BY windowEnd DESC, id DESC`,
    params,
  };
}
