import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  type ClickHouseClient,
  type ClickHouseClientConfigOptions,
  ClickHouseLogLevel,
  createClient,
} from '@clickhouse/client';
import type { HopwatchConfig } from '../schemas/config.js';

// The client would log failures to the console on its own; the writer and reader log them through pino.
const quiet = { level: ClickHouseLogLevel.OFF };

export type StoreTarget = 'chdb' | 'server';

export type StoreConnection = {
  client: ClickHouseClient;
  target: StoreTarget;
  /** Where the data lives, for logs: the chDB directory or the server URL without credentials. */
  location: string;
};

/**
 * One `@clickhouse/client` for both targets: over the embedded chDB engine in `<dataDir>/chdb` by
 * default, over HTTP when `store.url` is set. Every query in the store goes through this client.
 *
 * chDB binds one data directory per process: opening a second directory while one is open throws
 * (`ChdbConnectionError: only one active data directory per process`). Connections to the same
 * directory share the engine; a different directory can be opened once every connection to the
 * first is closed and chdb's `drainPending()` has resolved.
 */
export async function connectStore(config: HopwatchConfig): Promise<StoreConnection> {
  const { store } = config;
  if (store.url === undefined) {
    const path = resolve(config.dataDir, 'chdb');
    mkdirSync(path, { recursive: true });
    // Loaded only for the embedded target: the engine is a large native library a server deployment never needs.
    const { createChdbConnection } = await import('chdb/connection');
    // chdb types its connection against @clickhouse/client-common 1.23.0, the client bundles 1.23.1 of the same
    // contract; they differ only in the list of known settings, so the structural cast is sound.
    const connection = createChdbConnection({
      path,
    }) as unknown as ClickHouseClientConfigOptions['connection'];
    return { client: createClient({ connection, log: quiet }), target: 'chdb', location: path };
  }
  const url = new URL(store.url);
  const location = `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  const client = createClient({
    url: store.url,
    username: store.user,
    password: store.password,
    request_timeout: 30_000,
    application: 'hopwatch',
    log: quiet,
    // The reader expects named tuples as JSON objects, whatever the server profile's default is.
    clickhouse_settings: { output_format_json_named_tuples_as_objects: 1 },
  });
  return { client, target: 'server', location };
}
