import type { ClickHouseClient } from '@clickhouse/client';
import {
  deadLettersTable,
  findingIncidentColumns,
  findingsTable,
  hopObservationColumns,
  hopsTable,
  incidentsTable,
  migrationsTable,
  type SchemaSettings,
  ttlClause,
} from './schema.js';

/** A schema change: applied once, in version order, and recorded in `schema_migrations`. */
export type Migration = {
  version: number;
  name: string;
  statements(settings: SchemaSettings): string[];
};

/** Append only: a released migration never changes; a new change is a new version. */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'create findings, hops and dead_letters',
    statements: (settings) => [findingsTable(settings), hopsTable(settings), deadLettersTable(settings)],
  },
  {
    version: 2,
    name: 'incidents, and the incident and silence of each finding',
    statements: (settings) => [...findingIncidentColumns(settings), incidentsTable(settings)],
  },
  {
    version: 3,
    name: 'the MCP session and the other observation points of each hop',
    statements: (settings) => hopObservationColumns(settings),
  },
];

/**
 * Applies every migration not yet recorded, then brings the tables' TTL in line with the configured
 * retention. Returns one line per change made; nothing when the schema was already current. Every
 * statement is idempotent (IF NOT EXISTS), so two processes migrating at once end in the same schema.
 */
export async function applyMigrations(client: ClickHouseClient, settings: SchemaSettings): Promise<string[]> {
  const { tables } = settings;
  await client.command({
    query: 'CREATE DATABASE IF NOT EXISTS {database:Identifier}',
    query_params: { database: tables.database },
  });
  await client.command({ query: migrationsTable(settings) });
  const applied = await appliedVersions(client, settings);
  const changes: string[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    for (const statement of migration.statements(settings)) await client.command({ query: statement });
    await client.insert({
      table: tables.migrations,
      values: [{ version: migration.version, name: migration.name }],
      format: 'JSONEachRow',
    });
    changes.push(`migration ${migration.version}: ${migration.name}`);
  }
  for (const retention of retentionTargets(settings)) {
    const change = await syncTtl(client, settings, retention);
    if (change !== null) changes.push(change);
  }
  return changes;
}

export async function appliedVersions(
  client: ClickHouseClient,
  { tables }: SchemaSettings,
): Promise<Set<number>> {
  const result = await client.query({
    query: `SELECT DISTINCT version FROM ${tables.migrations}`,
    format: 'JSONEachRow',
  });
  const rows = await result.json<{ version: number | string }>();
  return new Set(rows.map((row) => Number(row.version)));
}

type Retention = { table: string; name: string; column: string; days: number };

function retentionTargets({ tables, hopsTtlDays, deadLettersTtlDays }: SchemaSettings): Retention[] {
  return [
    { table: tables.hops, name: 'hops', column: 'ts', days: hopsTtlDays },
    { table: tables.deadLetters, name: 'dead_letters', column: 'receivedAt', days: deadLettersTtlDays },
  ];
}

const ttlDaysPattern = /\bTTL\b.*?toIntervalDay\((\d+)\)/;

/** The TTL follows the config: a changed `hopsTtlDays` / `deadLettersTtlDays` alters the table at start-up. */
async function syncTtl(
  client: ClickHouseClient,
  { tables }: SchemaSettings,
  retention: Retention,
): Promise<string | null> {
  const result = await client.query({
    query:
      'SELECT engine_full FROM system.tables WHERE database = {database:String} AND name = {name:String}',
    query_params: { database: tables.database, name: retention.name },
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ engine_full: string }>();
  const current = row === undefined ? null : ttlDaysPattern.exec(row.engine_full)?.[1];
  if (current !== undefined && current !== null && Number(current) === retention.days) return null;
  await client.command({
    query: `ALTER TABLE ${retention.table} MODIFY ${ttlClause(retention.column, retention.days)}`,
  });
  return `${retention.name}: TTL ${current ?? 'none'} → ${retention.days} days`;
}
