import type { ClickHouseClient } from '@clickhouse/client';
import type { Finding } from '../schemas/finding.js';
import type { ResolvedHop } from '../schemas/resolved-hop.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { asStoreError } from './errors.js';
import { findingPageQuery } from './finding-query.js';
import { findingColumns, findingFromRow, hopColumns, hopFromRow, type StoredFinding } from './rows.js';
import type { StoreTables } from './tables.js';
import type { CredentialSummary, FindingFilter, FindingPage, StoreReader, StoreStats } from './types.js';

/** A trace larger than this is returned truncated (earliest hops first): the lineage view stays bounded. */
export const traceHopLimit = 10_000;
const topDestinationCount = 10;

type Params = Record<string, unknown>;
type Count = number | string;

/**
 * Reads deduplicate: a finding or hop written twice (a replay) is returned once, before background
 * merges have removed the copy. Findings use FINAL (measured faster than argMax / LIMIT 1 BY here,
 * see the store report); summaries count distinct hop ids.
 */
export class ClickHouseStoreReader implements StoreReader {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly tables: StoreTables,
  ) {}

  async listFindings(filter: FindingFilter, limit: number, cursor: string | null): Promise<FindingPage> {
    const after = cursor === null ? null : decodeCursor(cursor);
    const { query, params } = findingPageQuery(this.tables.findings, filter, after, limit + 1);
    const rows = await this.rows<StoredFinding>(query, params, 'could not list findings');
    const items = rows.slice(0, limit).map(findingFromRow);
    const last = items[items.length - 1];
    const nextCursor =
      rows.length > limit && last !== undefined
        ? encodeCursor({ windowEnd: last.windowEnd, id: last.id })
        : null;
    return { items, nextCursor };
  }

  async getFinding(id: string): Promise<Finding | null> {
    const [row] = await this.rows<StoredFinding>(
      `SELECT ${findingColumns} FROM ${this.tables.findings} FINAL WHERE id = {id:String} LIMIT 1`,
      { id },
      'could not read the finding',
    );
    return row === undefined ? null : findingFromRow(row);
  }

  async traceHops(traceId: string): Promise<ResolvedHop[]> {
    if (traceId === '') return [];
    const rows = await this.rows<Record<string, unknown>>(
      `SELECT ${hopColumns} FROM ${this.tables.hops} FINAL WHERE traceId = {traceId:String}
       ORDER BY ts, id LIMIT {limit:UInt32}`,
      { traceId, limit: traceHopLimit },
      'could not read the trace',
    );
    return rows.map(hopFromRow);
  }

  /** What was stored under one origin credential: its findings, its hops and where they went. */
  async credentialSummary(credential: string): Promise<CredentialSummary | null> {
    const params = { credential };
    const [findings, [hops], destinations] = await Promise.all([
      this.rows<{ detector: string; severity: string; count: Count; first: Count; last: Count }>(
        `SELECT detector, severity, count() AS count,
           toUnixTimestamp64Milli(min(windowStart)) AS first, toUnixTimestamp64Milli(max(windowEnd)) AS last
         FROM ${this.tables.findings} FINAL WHERE originCredential = {credential:String}
         GROUP BY detector, severity ORDER BY detector, severity`,
        params,
        'could not summarise findings',
      ),
      this.rows<{ count: Count; first: Count | null; last: Count | null }>(
        `SELECT uniqExact(id) AS count, if(count = 0, NULL, toUnixTimestamp64Milli(min(ts))) AS first,
           if(count = 0, NULL, toUnixTimestamp64Milli(max(ts))) AS last
         FROM ${this.tables.hops} WHERE originCredential = {credential:String}`,
        params,
        'could not summarise hops',
      ),
      this.rows<{ service: string; count: Count }>(
        `SELECT destinationService AS service, uniqExact(id) AS count
         FROM ${this.tables.hops} WHERE originCredential = {credential:String}
         GROUP BY service ORDER BY count DESC, service LIMIT {top:UInt32}`,
        { ...params, top: topDestinationCount },
        'could not summarise destinations',
      ),
    ]);
    const hopCount = Number(hops?.count ?? 0);
    if (findings.length === 0 && hopCount === 0) return null;
    const seen = [...findings, ...(hopCount > 0 && hops !== undefined ? [hops] : [])];
    return {
      credential,
      findings: findings.map((row) => ({
        detector: row.detector as CredentialSummary['findings'][number]['detector'],
        severity: row.severity as CredentialSummary['findings'][number]['severity'],
        count: Number(row.count),
      })),
      firstSeen: Math.min(...seen.map((row) => Number(row.first))),
      lastSeen: Math.max(...seen.map((row) => Number(row.last))),
      hopCount,
      topDestinations: destinations.map((row) => ({ service: row.service, count: Number(row.count) })),
    };
  }

  /** Findings are exact (deduplicated); hops and dead letters count stored rows, which may include replays not yet merged. */
  async stats(): Promise<StoreStats> {
    const [row] = await this.rows<{ findings: Count; hops: Count; deadLetters: Count }>(
      `SELECT (SELECT count() FROM ${this.tables.findings} FINAL) AS findings,
         (SELECT count() FROM ${this.tables.hops}) AS hops,
         (SELECT count() FROM ${this.tables.deadLetters}) AS deadLetters`,
      {},
      'could not read store totals',
    );
    return {
      findings: Number(row?.findings ?? 0),
      hops: Number(row?.hops ?? 0),
      deadLetters: Number(row?.deadLetters ?? 0),
    };
  }

  private async rows<Row>(query: string, params: Params, action: string): Promise<Row[]> {
    try {
      const result = await this.client.query({ query, query_params: params, format: 'JSONEachRow' });
      return await result.json<Row>();
    } catch (error) {
      throw asStoreError(error, action);
    }
  }
}
