import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, describe } from 'vitest';
import { createLogger } from '../../common/logger.js';
import type { HopwatchConfig } from '../../pipeline/config.js';
import { parseConfig } from '../../pipeline/load-config.js';
import type { StoreConfig } from '../../store/config.js';
import { connectStore } from '../../store/connection.js';
import { openStore } from '../../store/index.js';
import type { HopwatchStore } from '../../store/types.js';

export type StoreOverrides = Partial<Omit<StoreConfig, 'url' | 'user' | 'password' | 'database'>>;

/** Where a store suite runs: the embedded engine in a temp directory, or the server named by CLICKHOUSE_URL. */
export type StoreTestTarget = {
  name: 'chdb' | 'server';
  /** A config for a fresh database of this target, so that tests in one file do not see each other's rows. */
  config(overrides?: StoreOverrides): HopwatchConfig;
  /** The environment that makes a hopwatch child process use the same store as `config`. */
  env(config: HopwatchConfig): NodeJS.ProcessEnv;
  open(config: HopwatchConfig): Promise<HopwatchStore>;
  /** A second client on the same store, for SQL a test checks directly (table definitions, raw rows). */
  sql(config: HopwatchConfig): Promise<ClickHouseClient>;
};

let databases = 0;
const logger = createLogger('silent');

function buildTarget(name: 'chdb' | 'server', dataDir: string): StoreTestTarget {
  const server = process.env.CLICKHOUSE_URL;
  return {
    name,
    config(overrides = {}) {
      databases += 1;
      const database = `hopwatch_test_${process.pid}_${databases}`;
      const store =
        name === 'server'
          ? {
              url: server,
              user: process.env.CLICKHOUSE_USER ?? 'default',
              password: process.env.CLICKHOUSE_PASSWORD ?? '',
              database,
            }
          : { database };
      const parsed = parseConfig({ dataDir, logLevel: 'silent', store: { ...store, ...overrides } });
      if (!parsed.ok) throw new Error(parsed.reason);
      return parsed.config;
    },
    env(config) {
      const { store } = config;
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        HOPWATCH_DATA_DIR: config.dataDir,
        HOPWATCH_LOG_LEVEL: 'silent',
        CLICKHOUSE_DATABASE: store.database,
      };
      if (store.url === undefined) delete env.CLICKHOUSE_URL;
      return env;
    },
    open: (config) => openStore(config, logger),
    sql: async (config) => (await connectStore(config)).client,
  };
}

/**
 * Runs `suite` against the embedded engine, and against a ClickHouse server when CLICKHOUSE_URL is
 * set; without it the server suite is reported as skipped.
 */
export function describeStoreTargets(title: string, suite: (target: StoreTestTarget) => void): void {
  const dataDir = mkdtempSync(join(tmpdir(), 'hopwatch-store-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  describe(`${title} — embedded chDB`, () => suite(buildTarget('chdb', dataDir)));
  const server = process.env.CLICKHOUSE_URL ?? '';
  describe.skipIf(server === '')(
    `${title} — ClickHouse server at ${server || '(CLICKHOUSE_URL not set)'}`,
    () => {
      afterAll(dropTestDatabases);
      suite(buildTarget('server', dataDir));
    },
  );
}

async function dropTestDatabases(): Promise<void> {
  const parsed = parseConfig({
    store: {
      url: process.env.CLICKHOUSE_URL,
      user: process.env.CLICKHOUSE_USER ?? 'default',
      password: process.env.CLICKHOUSE_PASSWORD ?? '',
    },
  });
  if (!parsed.ok) return;
  const { client } = await connectStore(parsed.config);
  const result = await client.query({
    query: 'SELECT name FROM system.databases WHERE startsWith(name, {prefix:String})',
    query_params: { prefix: `hopwatch_test_${process.pid}_` },
    format: 'JSONEachRow',
  });
  for (const { name } of await result.json<{ name: string }>()) {
    await client.command({ query: 'DROP DATABASE IF EXISTS {name:Identifier}', query_params: { name } });
  }
  await client.close();
}
