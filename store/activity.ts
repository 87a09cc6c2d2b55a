import { z } from 'zod';
import type { StoreTables } from './tables.js';
import type { ActivityRange, CredentialActivity } from './types.js';

// A server quotes 64-bit integers in JSON output; chDB does not.
const count = z.coerce.number();
const spanRow = z.object({ first: count, last: count, hops: count });
const bucketRow = z.object({ start: count, hops: count, authFailures: count });
const destinationRow = z.object({ service: z.string(), hops: count, firstSeen: count });
const toolRow = z.object({ tool: z.string(), hops: count, firstSeen: count });
const topEntries = 50;
/** Buckets shown before a credential's first hop when no range is asked for. */
const leadBuckets = 30;

/** Runs one query and returns its rows (the reader's, which turns failures into store errors). */
export type RowQuery = (query: string, params: Record<string, unknown>) => Promise<unknown[]>;

/** What one origin credential did over time, from the hops table (deduplicated by hop id). */
export async function credentialActivity(
  rows: RowQuery,
  tables: StoreTables,
  credential: string,
  range: ActivityRange,
): Promise<CredentialActivity | null> {
  const query = async <T>(sql: string, params: Record<string, unknown>, row: z.ZodType<T>): Promise<T[]> =>
    (await rows(sql, params)).map((value) => row.parse(value));
  const where = `FROM ${tables.hops} WHERE originCredential = {credential:String}`;
  // Where it went covers all its history, so it does not wait for the range.
  const [[span], destinations, tools] = await Promise.all([
    query(
      `SELECT toUnixTimestamp64Milli(min(ts)) AS first, toUnixTimestamp64Milli(max(ts)) AS last,
         uniqExact(id) AS hops ${where} HAVING hops > 0`,
      { credential },
      spanRow,
    ),
    query(
      `SELECT destinationService AS service, uniqExact(id) AS hops, toUnixTimestamp64Milli(min(ts)) AS firstSeen
       ${where} GROUP BY service ORDER BY hops DESC, service LIMIT ${topEntries}`,
      { credential },
      destinationRow,
    ),
    query(
      `SELECT assumeNotNull(destinationTool) AS tool, uniqExact(id) AS hops,
         toUnixTimestamp64Milli(min(ts)) AS firstSeen
       ${where} AND destinationTool IS NOT NULL GROUP BY tool ORDER BY hops DESC, tool LIMIT ${topEntries}`,
      { credential },
      toolRow,
    ),
  ]);
  if (span === undefined) return null;
  const { bucketMs, maxBuckets } = range;
  const to = range.to ?? (Math.floor(span.last / bucketMs) + 1) * bucketMs;
  // By default from a little before its first hop (quiet buckets give the median its footing).
  const from = Math.max(
    range.from ?? Math.floor(span.first / bucketMs) * bucketMs - leadBuckets * bucketMs,
    to - maxBuckets * bucketMs,
  );
  const params = { credential, from, to, bucket: bucketMs };
  const inRange = `${where} AND ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC')
    AND ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC')`;
  const counted = await query(
    `SELECT intDiv(toUnixTimestamp64Milli(ts), {bucket:UInt32}) * {bucket:UInt32} AS start,
       uniqExact(id) AS hops, uniqExactIf(id, status IN (401, 403)) AS authFailures
     ${inRange} GROUP BY start ORDER BY start`,
    params,
    bucketRow,
  );
  const byStart = new Map(counted.map((row) => [row.start, row]));
  const buckets = [];
  for (let start = Math.floor(from / bucketMs) * bucketMs; start < to; start += bucketMs) {
    buckets.push(byStart.get(start) ?? { start, hops: 0, authFailures: 0 });
  }
  return { from, to, bucketMs, buckets, destinations, tools };
}
