import type { ClickHouseClient } from '@clickhouse/client';
import { z } from 'zod';
import { type Finding, severities } from '../schemas/finding.js';
import type { ResolvedHop } from '../schemas/resolved-hop.js';
import { credentialActivity } from './activity.js';
import { decodeCursor, encodeCursor, type FindingCursor } from './cursor.js';
import { deadLetterPageQuery } from './dead-letter-query.js';
import { asStoreError } from './errors.js';
import { findingPageQuery } from './finding-query.js';
import { incidentPageQuery } from './incident-query.js';
import {
  deadLetterFromRow,
  findingColumns,
  findingFromRow,
  hopColumns,
  hopFromRow,
  incidentColumns,
  incidentFromRow,
  type StoredFinding,
} from './rows.js';
import type { StoreTables } from './tables.js';
import type {
  ActivityRange,
  CredentialActivity,
  CredentialSummary,
  DeadLetterFilter,
  DeadLetterPage,
  FindingFilter,
  FindingPage,
  IncidentDetail,
  IncidentFilter,
  IncidentPage,
  StoreReader,
  StoreStats,
} from './types.js';

/** A trace larger than this is returned truncated (earliest hops first): the lineage view stays bounded. */
export const traceHopLimit = 10_000;
const topDestinationCount = 10;

type Params = Record<string, unknown>;
// A server quotes 64-bit integers in JSON output; chDB does not.
const count = z.coerce.number();
const findingCountRow = z.object({
  detector: z.string(),
  severity: z.enum(severities),
  count,
  first: count,
  last: count,
});
const hopCountRow = z.object({ count, first: count, last: count });
const destinationCountRow = z.object({ service: z.string(), count });
const statsRow = z.object({ findings: count, hops: count, deadLetters: count });

/** A page of `limit` items from a query asked for one more: that one says whether a next page exists. */
function pageOf<Item>(
  rows: Item[],
  limit: number,
  cursorOf: (last: Item) => FindingCursor,
): { items: Item[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(cursorOf(last)) : null,
  };
}

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
    return pageOf(rows.map(findingFromRow), limit, (last) => ({ windowEnd: last.windowEnd, id: last.id }));
  }

  async getFinding(id: string): Promise<Finding | null> {
    const [row] = await this.rows<StoredFinding>(
      `SELECT ${findingColumns} FROM ${this.tables.findings} FINAL WHERE id = {id:String} LIMIT 1`,
      { id },
      'could not read the finding',
    );
    return row === undefined ? null : findingFromRow(row);
  }

  async listDeadLetters(
    filter: DeadLetterFilter,
    limit: number,
    cursor: string | null,
  ): Promise<DeadLetterPage> {
    const after = cursor === null ? null : decodeCursor(cursor);
    const { query, params } = deadLetterPageQuery(this.tables.deadLetters, filter, after, limit + 1);
    const rows = await this.rows<Record<string, unknown>>(query, params, 'could not list dead letters');
    return pageOf(rows.map(deadLetterFromRow), limit, (last) => ({
      windowEnd: last.receivedAt,
      id: last.id,
    }));
  }

  async listIncidents(filter: IncidentFilter, limit: number, cursor: string | null): Promise<IncidentPage> {
    const after = cursor === null ? null : decodeCursor(cursor);
    const { query, params } = incidentPageQuery(this.tables.incidents, filter, after, limit + 1);
    const rows = await this.rows<Record<string, unknown>>(query, params, 'could not list incidents');
    return pageOf(rows.map(incidentFromRow), limit, (last) => ({ windowEnd: last.lastSeenAt, id: last.id }));
  }

  async getIncident(id: string, findingLimit: number): Promise<IncidentDetail | null> {
    const rows = await this.rows<Record<string, unknown>>(
      `SELECT ${incidentColumns} FROM ${this.tables.incidents} FINAL WHERE id = {id:String} ORDER BY version`,
      { id },
      'could not read the incident',
    );
    const versions = rows.map(incidentFromRow);
    const incident = versions[versions.length - 1];
    if (incident === undefined) return null;
    const findings = await this.listFindings({ incidentId: id }, findingLimit, null);
    return { incident, timeline: versions.filter((version) => version.change !== 'joined'), findings };
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
    const params = { credential, top: topDestinationCount };
    const [findingRows, hopRows, destinationRows] = await Promise.all([
      this.rows(
        `SELECT detector, severity, count() AS count,
           toUnixTimestamp64Milli(min(windowStart)) AS first, toUnixTimestamp64Milli(max(windowEnd)) AS last
         FROM ${this.tables.findings} FINAL WHERE originCredential = {credential:String}
         GROUP BY detector, severity ORDER BY detector, severity`,
        params,
        'could not summarise findings',
      ),
      this.rows(
        `SELECT uniqExact(id) AS count, toUnixTimestamp64Milli(min(ts)) AS first,
           toUnixTimestamp64Milli(max(ts)) AS last
         FROM ${this.tables.hops} WHERE originCredential = {credential:String} HAVING count > 0`,
        params,
        'could not summarise hops',
      ),
      this.rows(
        `SELECT destinationService AS service, uniqExact(id) AS count
         FROM ${this.tables.hops} WHERE originCredential = {credential:String}
         GROUP BY service ORDER BY count DESC, service LIMIT {top:UInt32}`,
        params,
        'could not summarise destinations',
      ),
    ]);
    const findings = findingRows.map((row) => findingCountRow.parse(row));
    const hops = hopRows.map((row) => hopCountRow.parse(row));
    if (findings.length === 0 && hops.length === 0) return null;
    const spans = [...findings, ...hops];
    return {
      credential,
      findings: findings.map(({ detector, severity, count }) => ({ detector, severity, count })),
      firstSeen: Math.min(...spans.map((span) => span.first)),
      lastSeen: Math.max(...spans.map((span) => span.last)),
      hopCount: hops[0]?.count ?? 0,
      topDestinations: destinationRows.map((row) => destinationCountRow.parse(row)),
    };
  }

  credentialActivity(credential: string, range: ActivityRange): Promise<CredentialActivity | null> {
    const rows = (query: string, params: Params) =>
      this.rows(query, params, 'could not read the credential activity');
    return credentialActivity(rows, this.tables, credential, range);
  }

  /** Findings are exact (deduplicated); hops and dead letters count stored rows, which may include replays not yet merged. */
  async stats(): Promise<StoreStats> {
    const [row] = await this.rows(
      `SELECT (SELECT count() FROM ${this.tables.findings} FINAL) AS findings,
         (SELECT count() FROM ${this.tables.hops} FINAL) AS hops,
         (SELECT count() FROM ${this.tables.deadLetters}) AS deadLetters`,
      {},
      'could not read store totals',
    );
    return statsRow.parse(row);
  }

  private async rows<Row = unknown>(query: string, params: Params, action: string): Promise<Row[]> {
    try {
      const result = await this.client.query({ query, query_params: params, format: 'JSONEachRow' });
      return await result.json<Row>();
    } catch (error) {
      throw asStoreError(error, action);
    }
  }
}
