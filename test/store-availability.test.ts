import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { drainPending } from 'chdb';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../common/logger.js';
import type { HopwatchConfig, HopwatchConfigInput } from '../pipeline/config.js';
import { parseConfig } from '../pipeline/load-config.js';
import type { Finding } from '../schemas/finding.js';
import { connectStore } from '../store/connection.js';
import { applyMigrations } from '../store/migrations.js';
import { ClickHouseStoreReader } from '../store/reader.js';
import { storeTables } from '../store/tables.js';
import { StoreUnavailableError } from '../store/types.js';
import { BufferedStoreWriter, clickhouseInsert } from '../store/writer.js';
import { makeFinding, makeHop } from './helpers/store-fixtures.js';
import { closedPort, TcpRelay } from './helpers/store-proxy.js';

const logger = createLogger('silent');
const dataDir = mkdtempSync(join(tmpdir(), 'hopwatch-store-availability-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function configFor(input: HopwatchConfigInput): HopwatchConfig {
  const parsed = parseConfig({ dataDir, logLevel: 'silent', ...input });
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.config;
}

const findings = (from: number, count: number): Finding[] =>
  Array.from({ length: count }, (_, index) => makeFinding(from + index));

async function storedFindingIds(client: ClickHouseClient, config: HopwatchConfig): Promise<string[]> {
  const reader = new ClickHouseStoreReader(client, storeTables(config.store.database));
  const page = await reader.listFindings({}, 1_000, null);
  return page.items.map((finding) => finding.id).sort();
}

/** Quick retries so that the test sees "unavailable" within a few tens of milliseconds. */
const impatient = { retryMaxAttempts: 2, retryBaseDelayMs: 10, retryMaxDelayMs: 50, batchMaxDelayMs: 20 };

describe('store writer while the store is unavailable', () => {
  it('a server that refuses connections makes flush() and a full buffer fail with StoreUnavailableError, keeping every row', async () => {
    const port = await closedPort();
    const config = configFor({
      store: {
        url: `http://127.0.0.1:${port}`,
        ...impatient,
        batchMaxRows: 4,
        bufferMaxRows: 8,
        batchMaxDelayMs: 60_000,
      },
    });
    const connection = await connectStore(config);
    const { client } = connection;
    const writer = new BufferedStoreWriter(
      clickhouseInsert(connection),
      storeTables('hopwatch'),
      config.store,
      logger,
    );
    try {
      await writer.write({ findings: findings(0, 3), hops: [makeHop(1, 0, Date.now())] });
      await expect(writer.flush()).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(writer.flush()).rejects.toThrow(/ECONNREFUSED.*4 rows stay buffered/);
      expect(writer.available()).toBe(false);
      expect(writer.pending()).toBe(4);

      // The same findings again (a caller retrying its batch) replace the waiting ones: nothing is added.
      await writer.write({ findings: findings(0, 3) });
      expect(writer.pending()).toBe(4);
      // Findings and hops each have a lane of bufferMaxRows (8). Room is left in both, so this batch is
      // accepted; then a batch for a full lane is refused, not dropped and not half taken.
      const hops = (from: number, count: number) =>
        Array.from({ length: count }, (_, index) => makeHop(from + index, 0, Date.now()));
      await writer.write({ findings: findings(3, 5), hops: hops(2, 6) });
      expect(writer.pending()).toBe(15);
      await expect(writer.write({ findings: findings(8, 1) })).rejects.toBeInstanceOf(StoreUnavailableError);
      await writer.write({ hops: hops(8, 1) });
      await expect(writer.write({ hops: hops(9, 1) })).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(writer.pending()).toBe(16);
    } finally {
      await expect(writer.close()).rejects.toBeInstanceOf(StoreUnavailableError);
      await client.close();
    }
  });

  it('rows written while the embedded engine is closed are all stored once it is open again', async () => {
    const config = configFor({ store: { ...impatient, batchMaxRows: 25, bufferMaxRows: 100 } });
    const tables = storeTables(config.store.database);
    let connection = await connectStore(config);
    let { client } = connection;
    await applyMigrations(client, { tables, hopsTtlDays: 30, deadLettersTtlDays: 30 });
    // Every insert goes to whichever engine connection is current, as a restarted server would be.
    const writer = new BufferedStoreWriter(
      (table, rows, format) => clickhouseInsert(connection)(table, rows, format),
      tables,
      config.store,
      logger,
    );

    await writer.write({ findings: findings(0, 10) });
    await writer.flush();
    await client.close();
    await drainPending();

    await writer.write({ findings: findings(10, 40) });
    await expect(writer.flush()).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(writer.available()).toBe(false);
    await writer.write({ findings: findings(50, 60) });
    expect(writer.pending()).toBe(100);
    // The buffer is full: this batch is refused (the caller keeps it), not dropped and not half taken.
    await expect(writer.write({ findings: findings(110, 5) })).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(writer.pending()).toBe(100);

    connection = await connectStore(config);
    client = connection.client;
    // Nobody calls flush(): the writer's own background retries deliver what it kept.
    await vi.waitFor(() => expect(writer.pending()).toBe(0), { timeout: 15_000, interval: 50 });
    expect(writer.available()).toBe(true);
    expect(await storedFindingIds(client, config)).toEqual(
      findings(0, 110)
        .map((finding) => finding.id)
        .sort(),
    );
    await writer.close();
    await client.close();
    await drainPending();
  });
});

describe('store writer when the store refuses a batch', () => {
  it('does not retry an insert that would fail the same way again, and keeps its rows', async () => {
    const config = configFor({ store: { ...impatient, retryMaxAttempts: 5, retryBaseDelayMs: 5_000 } });
    const connection = await connectStore(config);
    const { client } = connection;
    // No migration ran for this database: the engine answers UNKNOWN_DATABASE, which no wait can fix.
    const writer = new BufferedStoreWriter(
      clickhouseInsert(connection),
      storeTables('never_migrated'),
      config.store,
      logger,
    );
    try {
      await writer.write({ findings: findings(0, 2) });
      await expect(writer.flush()).rejects.toThrow(/after 1 attempt\(s\): 81: .*never_migrated/);
      expect(writer.pending()).toBe(2);
    } finally {
      await expect(writer.close()).rejects.toBeInstanceOf(StoreUnavailableError);
      await client.close();
      await drainPending();
    }
  });
});

const serverUrl = process.env.CLICKHOUSE_URL ?? '';

// Needs a ClickHouse server: reported as skipped unless CLICKHOUSE_URL names one.
describe.skipIf(serverUrl === '')(`store writer in front of the ClickHouse server at ${serverUrl}`, () => {
  it('rows written while a relay to the server is down are all stored once it is up again', async () => {
    const target = new URL(serverUrl);
    const relay = new TcpRelay(target.hostname, Number(target.port || 8123));
    const port = await relay.start();
    const store = {
      user: process.env.CLICKHOUSE_USER ?? 'default',
      password: process.env.CLICKHOUSE_PASSWORD ?? '',
      database: `hopwatch_test_${process.pid}_relay`,
      ...impatient,
      batchMaxRows: 25,
      bufferMaxRows: 100,
    };
    const direct = configFor({ store: { ...store, url: serverUrl } });
    const relayed = configFor({ store: { ...store, url: `http://127.0.0.1:${port}` } });
    const connection = await connectStore(relayed);
    const { client } = connection;
    const admin = (await connectStore(direct)).client;
    const tables = storeTables(store.database);
    try {
      await applyMigrations(admin, { tables, hopsTtlDays: 30, deadLettersTtlDays: 30 });
      const writer = new BufferedStoreWriter(clickhouseInsert(connection), tables, relayed.store, logger);
      await writer.write({ findings: findings(0, 10) });
      await writer.flush();
      await relay.stop();

      await writer.write({ findings: findings(10, 60) });
      await expect(writer.flush()).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(writer.available()).toBe(false);
      expect(writer.pending()).toBe(60);

      await relay.start();
      await vi.waitFor(() => expect(writer.pending()).toBe(0), { timeout: 15_000, interval: 50 });
      expect(await storedFindingIds(admin, direct)).toEqual(
        findings(0, 70)
          .map((finding) => finding.id)
          .sort(),
      );
      await writer.close();
    } finally {
      await relay.stop();
      await admin.command({
        query: 'DROP DATABASE IF EXISTS {name:Identifier}',
        query_params: { name: store.database },
      });
      await admin.close();
      await client.close();
    }
  });
});
