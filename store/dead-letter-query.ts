import type { FindingCursor } from './cursor.js';
import { type BoundQuery, instant } from './finding-query.js';
import type { DeadLetterFilter } from './types.js';

/**
 * A dead letter has no id of its own: this one names it by what it holds and where it came from
 * (NULLs would make the whole hash NULL), so that records rejected in the same millisecond still
 * sort, and page, one after another.
 */
const deadLetterId = `hex(sipHash64(reason, raw, source, ifNull(topic, ''), ifNull(partition, 0),
  ifNull(offset, ''), ifNull(line, 0)))`;

/**
 * One page of dead letters, newest first by (receivedAt, id), with the same keyset paging as findings
 * (finding-query.ts): a row is on exactly one page of a walk. Every value is a bound parameter.
 */
export function deadLetterPageQuery(
  table: string,
  filter: DeadLetterFilter,
  after: FindingCursor | null,
  limit: number,
): BoundQuery {
  const conditions: string[] = [];
  const params: Record<string, unknown> = { limit };
  if (filter.source !== undefined) {
    conditions.push('source = {source:String}');
    params.source = filter.source;
  }
  if (filter.format !== undefined) {
    conditions.push('format = {format:String}');
    params.format = filter.format;
  }
  if (filter.from !== undefined) {
    conditions.push(`receivedAt >= ${instant('from')}`);
    params.from = filter.from;
  }
  if (filter.to !== undefined) {
    conditions.push(`receivedAt < ${instant('to')}`);
    params.to = filter.to;
  }
  if (after !== null) {
    conditions.push(`(receivedAt, id) < (${instant('afterAt')}, {afterId:String})`);
    params.afterAt = after.windowEnd;
    params.afterId = after.id;
  }
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  return {
    // As for findings: the inner query sorts on the DateTime64 column, the outer one renders it as epoch ms.
    query: `SELECT id, toUnixTimestamp64Milli(receivedAt) AS receivedAt, reason, raw, rawBytes, format, source,
        topic, partition, offset, line
      FROM (
        SELECT *, ${deadLetterId} AS id FROM ${table} ${where}
        ORDER BY receivedAt DESC, id DESC LIMIT {limit:UInt32}
      ) ORDER BY receivedAt DESC, id DESC`,
    params,
  };
}
