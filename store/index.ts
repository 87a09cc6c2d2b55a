import { accessSync, constants, existsSync, statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '../common/logger.js';
import type { StoreSettings } from './config.js';
import { connectStore, type StoreConnection, type StoreTarget } from './connection.js';
import { embeddedHolder } from './embedded-holder.js';
import { asStoreError } from './errors.js';
import { appliedVersions, applyMigrations, migrations } from './migrations.js';
import { ClickHouseStoreReader } from './reader.js';
import type { SchemaSettings } from './schema.js';
import { storeTables } from './tables.js';
import type { HopwatchStore } from './types.js';
import { BufferedStoreWriter, clickhouseInsert } from './writer.js';

function schemaSettings(config: StoreSettings): SchemaSettings {
  return {
    tables: storeTables(config.store.database),
    hopsTtlDays: config.store.hopsTtlDays,
    deadLettersTtlDays: config.store.deadLettersTtlDays,
  };
}

class ClickHouseStore implements HopwatchStore {
  readonly writer: BufferedStoreWriter;
  readonly reader: ClickHouseStoreReader;

  private readonly client: ClickHouseClient;

  constructor(
    connection: StoreConnection,
    private readonly schema: SchemaSettings,
    config: StoreSettings,
    private readonly logger: Logger,
  ) {
    this.client = connection.client;
    this.writer = new BufferedStoreWriter(
      clickhouseInsert(connection),
      schema.tables,
      config.store,
      logger,
      connection.hopFormat,
    );
    this.reader = new ClickHouseStoreReader(connection.client, schema.tables);
  }

  async migrate(): Promise<string[]> {
    const changes = await applyMigrations(this.client, this.schema);
    for (const change of changes) this.logger.info({ change }, 'store schema changed');
    return changes;
  }

  async ping(): Promise<boolean> {
    const result = await this.client.ping();
    return result.success;
  }

  async close(): Promise<void> {
    try {
      await this.writer.close();
    } catch (error) {
      this.logger.error({ err: error, pending: this.writer.pending() }, 'store closed with unwritten rows');
      throw error;
    } finally {
      await this.client.close();
    }
  }
}

/** Connects (embedded chDB under `<dataDir>/chdb`, or the server at `store.url`) and applies pending migrations. */
export async function openStore(config: StoreSettings, logger: Logger): Promise<HopwatchStore> {
  const connection = await connectStore(config);
  const { client, target, location } = connection;
  const schema = schemaSettings(config);
  const store = new ClickHouseStore(connection, schema, config, logger);
  try {
    await store.migrate();
  } catch (error) {
    await client.close();
    throw asStoreError(error, 'could not prepare the store schema');
  }
  logger.info({ target, location, database: config.store.database }, 'store open');
  return store;
}

export type MigrationReport = { changes: string[]; version: number; target: StoreTarget; location: string };

/** `hopwatch migrate`: applies pending migrations without starting anything else, and says what it did. */
export async function migrateStore(config: StoreSettings): Promise<MigrationReport> {
  const { client, target, location } = await connectStore(config);
  const schema = schemaSettings(config);
  try {
    const changes = await applyMigrations(client, schema);
    const versions = await appliedVersions(client, schema);
    return { changes, version: Math.max(0, ...versions), target, location };
  } catch (error) {
    throw asStoreError(error, 'could not migrate the store');
  } finally {
    await client.close();
  }
}

/**
 * `hopwatch check`: what the store is, whether hopwatch can use it, and which migrations it lacks,
 * changing nothing. The embedded engine is opened only when no other process holds it (a running
 * hopwatch does), and a directory not made yet is only checked for writing.
 */
export async function inspectStore(config: StoreSettings): Promise<string> {
  if (config.store.url === undefined) return inspectEmbedded(config);
  const { client, location } = await connectStore(config);
  try {
    const result = await client.query({ query: 'SELECT version() AS version', format: 'JSONEachRow' });
    const [row] = await result.json<{ version: string }>();
    const schema = await schemaState(client, config);
    return `ClickHouse ${row?.version ?? '?'} at ${location}, database ${config.store.database}: ${schema}`;
  } catch (error) {
    throw asStoreError(error, `could not query the store at ${location}`);
  } finally {
    await client.close();
  }
}

async function inspectEmbedded(config: StoreSettings): Promise<string> {
  const path = resolve(config.dataDir, 'chdb');
  let existing = path;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  try {
    accessSync(existing, constants.W_OK);
  } catch {
    throw new Error(`embedded chDB at ${path}: ${existing} is not writable by this user`);
  }
  const { bavail, bsize } = statfsSync(existing);
  const where = `embedded chDB at ${path}`;
  const free = `${((bavail * bsize) / 1024 ** 3).toFixed(1)} GiB free`;
  if (existing !== path) return `${where} (created at start), writable, ${free}`;
  const holder = embeddedHolder(path);
  if (holder !== undefined)
    return `${where}, writable, ${free}: open in process ${holder.pid} since ${holder.since}, so its schema was not read`;
  const { client } = await connectStore(config);
  try {
    return `${where}, writable, ${free}: ${await schemaState(client, config)}`;
  } finally {
    await client.close();
  }
}

async function schemaState(client: ClickHouseClient, config: StoreSettings): Promise<string> {
  // A database never migrated has no migrations table: every migration is pending.
  const applied = await appliedVersions(client, schemaSettings(config)).catch(() => new Set<number>());
  const pending = migrations.filter((migration) => !applied.has(migration.version)).length;
  return pending === 0 ? 'schema current' : `${pending} migration(s) to apply at start (or hopwatch migrate)`;
}

export type { StoreTarget } from './connection.js';
export { InvalidCursorError } from './cursor.js';
export { StoreUnavailableError } from './types.js';
