import type { ClickHouseClient } from '@clickhouse/client';
import {
  addLaterHopColumn,
  compactHopParts,
  deadLettersTable,
  findingIncidentColumns,
  findingsTable,
  flatHopColumns,
  flatHopsTable,
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
  apply(client: ClickHouseClient, settings: SchemaSettings): Promise<void>;
};

/** A migration that is a list of idempotent statements. */
function statements(build: (settings: SchemaSettings) => string[]): Migration['apply'] {
  return async (client, settings) => {
    for (const query of build(settings)) await client.command({ query });
  };
}

/** Append only: a released migration never changes; a new change is a new version. */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'create findings, hops and dead_letters',
    apply: statements((settings) => [
      findingsTable(settings),
      hopsTable(settings),
      deadLettersTable(settings),
    ]),
  },
  {
    version: 2,
    name: 'incidents, and the incident and silence of each finding',
    apply: statements((settings) => [...findingIncidentColumns(settings), incidentsTable(settings)]),
  },
  {
    version: 3,
    name: 'the MCP session and the other observation points of each hop',
    apply: statements((settings) => hopObservationColumns(settings)),
  },
  { version: 4, name: 'hops in flat columns, the lineage path as JSON text', apply: flattenHops },
  {
    version: 5,
    name: 'hop parts up to 64 MB written compact',
    apply: statements((settings) => [compactHopParts(settings)]),
  },
  {
    version: 6,
    name: "a hop's path stored without the hop's own step",
    apply: statements((settings) => [addLaterHopColumn(settings, 'pathOmitsHop')]),
  },
  {
    version: 7,
    name: 'where each hop was logged',
    apply: statements((settings) => [addLaterHopColumn(settings, 'observer')]),
  },
];

/**
 * Copies the hops into the flat layout beside them, checks that every row arrived and swaps the two
 * tables in one step. Safe to run again after a crash at any point: a copy left half done is started
 * over, and a swap already made is recognised by the flat columns.
 */
async function flattenHops(client: ClickHouseClient, settings: SchemaSettings): Promise<void> {
  const { tables } = settings;
  const copy = `${tables.hops}_flat`;
  const run = (query: string) => client.command({ query });
  if (!(await hasColumn(client, settings, 'hops', 'credentialId'))) {
    await run(flatHopsTable(settings, copy));
    await run(`TRUNCATE TABLE ${copy}`);
    const names = flatHopColumns.map(([name]) => name).join(', ');
    const values = flatHopColumns.map(([, , fromTuples]) => fromTuples).join(', ');
    await run(`INSERT INTO ${copy} (${names}) SELECT ${values} FROM ${tables.hops}`);
    const [before, after] = await Promise.all([rowCount(client, tables.hops), rowCount(client, copy)]);
    if (before !== after) {
      throw new Error(
        `migration 4 copied ${after} of ${before} hops into ${copy}; ${tables.hops} is left as it was`,
      );
    }
    await run(`EXCHANGE TABLES ${tables.hops} AND ${copy}`);
  }
  await run(`DROP TABLE IF EXISTS ${copy}`);
}

async function hasColumn(
  client: ClickHouseClient,
  { tables }: SchemaSettings,
  table: string,
  column: string,
): Promise<boolean> {
  const result = await client.query({
    query: `SELECT count() AS n FROM system.columns
      WHERE database = {database:String} AND table = {table:String} AND name = {column:String}`,
    query_params: { database: tables.database, table, column },
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ n: number | string }>();
  return Number(row?.n) > 0;
}

async function rowCount(client: ClickHouseClient, table: string): Promise<number> {
  const result = await client.query({ query: `SELECT count() AS n FROM ${table}`, format: 'JSONEachRow' });
  const [row] = await result.json<{ n: number | string }>();
  return Number(row?.n);
}

/**
 * Applies every migration not yet recorded, then brings the tables' TTL in line with the configured
 * retention. Returns one line per change made; nothing when the schema was already current. Every
 * migration can run again (IF NOT EXISTS, or checks first), so a start-up interrupted mid-migration
 * finishes it on the next one.
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
    await migration.apply(client, settings);
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
