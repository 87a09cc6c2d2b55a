import { closeSync, mkdirSync, openSync, readdirSync, rmSync, writevSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type ClickHouseClient,
  type ClickHouseClientConfigOptions,
  ClickHouseLogLevel,
  createClient,
  parseError,
} from '@clickhouse/client';
import type { StoreSettings } from './config.js';
import { embeddedHolder } from './embedded-holder.js';

// The client would log failures to the console on its own; the writer and reader log them through pino.
const quiet = { level: ClickHouseLogLevel.OFF };

export type StoreTarget = 'chdb' | 'server';

/**
 * chDB's own insert: the payload bytes go to the engine as they are, parsed there by its native
 * format parser, instead of being appended to an INSERT statement and read back through the SQL
 * parser (what the client-compatible connection does). chDB takes text formats inline only: Native
 * blocks go through a scratch file that the engine reads with `file()`, which still costs less than parsing JSON.
 */
export type RawInsert = (params: {
  table: string;
  /** The payload in pieces, concatenated only where one buffer is needed (a text format's inline insert). */
  values: readonly Uint8Array[];
  format: 'JSONEachRow' | 'JSONCompactEachRow' | 'Native';
  columns?: readonly string[];
  settings?: Record<string, string | number | boolean>;
}) => Promise<unknown>;

/** How hops are encoded for this connection's inserts: Native blocks where the raw insert takes them (chDB's). */
export type HopFormat = 'Native' | 'JSONCompactEachRow';

export type StoreConnection = {
  client: ClickHouseClient;
  hopFormat: HopFormat;
  /** The embedded engine's raw insert; absent for a server, which the client reaches over HTTP. */
  rawInsert?: RawInsert;
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
 * first is closed and chdb's `drainPending()` has resolved. A directory is also locked against other
 * processes (`Cannot lock file …/status`): one hopwatch process per embedded data directory.
 */
export async function connectStore(config: StoreSettings): Promise<StoreConnection> {
  const { store } = config;
  if (store.url === undefined) {
    const path = resolve(config.dataDir, 'chdb');
    mkdirSync(path, { recursive: true });
    // Loaded only for the embedded target: the engine is a large native library a server deployment never needs.
    const { createChdbConnection } = await import('chdb/connection');
    // chdb types its connection against @clickhouse/client-common 1.23.0, the client bundles 1.23.1 of the same
    // contract; they differ only in the list of known settings, so the structural cast is sound.
    let chdb: ReturnType<typeof createChdbConnection>;
    try {
      chdb = createChdbConnection({ path });
    } catch (error) {
      throw new Error(`could not open the embedded store at ${path}: ${chdbOpenFailure(error, path)}`, {
        cause: error,
      });
    }
    const connection = chdb as unknown as ClickHouseClientConfigOptions['connection'];
    const client = createClient({ connection, log: quiet });
    const scratch = scratchDirectory(path);
    let inserts = 0;
    // Its errors are chDB's own; read back as the client's, so that the writer tells transient ones apart alike.
    const rawInsert: RawInsert = async ({ format, ...params }) => {
      try {
        if (format !== 'Native')
          return await chdb.chdb.rawInsert({ format, ...params, values: Buffer.concat(params.values) });
        inserts += 1;
        const file = join(scratch, `${inserts}.native`);
        try {
          // Written synchronously: a page-cache write of a batch takes about a millisecond, where an
          // asynchronous one waited its turn on a busy event loop for every step (open, write, close).
          // Inside the try: a write that fails part way (a full disk) leaves no file behind either.
          writeAll(file, params.values);
          const columns = params.columns === undefined ? '' : ` (${params.columns.join(', ')})`;
          // A Native block names its columns' types: the engine converts them to the table's.
          return await client.command({
            query: `INSERT INTO ${params.table}${columns} SELECT * FROM file(${sqlString(file)}, 'Native')`,
            clickhouse_settings: params.settings,
          });
        } finally {
          rmSync(file, { force: true });
        }
      } catch (error) {
        const failure = parseError(error instanceof Error ? error.message : String(error));
        failure.cause = error;
        throw failure;
      }
    };
    return { client, hopFormat: 'Native', rawInsert, target: 'chdb', location: path };
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
  });
  return { client, hopFormat: 'JSONCompactEachRow', target: 'server', location };
}

/** The pieces one after another, without joining them first (a batch is megabytes, in a few pieces). */
function writeAll(file: string, pieces: readonly Uint8Array[]): void {
  const fd = openSync(file, 'w');
  try {
    let left = pieces.filter((piece) => piece.length > 0);
    while (left.length > 0) {
      // writev takes at most IOV_MAX (1024) pieces a call, and may write fewer bytes than it was given.
      let written = writevSync(fd, left.slice(0, 1024));
      let done = 0;
      while (done < left.length && written >= left[done]!.length) written -= left[done++]!.length;
      left = left.slice(done);
      if (written > 0) left[0] = left[0]!.subarray(written);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * chDB prints the engine's own reason (e.g. "Cannot lock file …/status") to stderr; the error only says
 * it failed. The usual reason is another process holding the directory: named when it is.
 */
function chdbOpenFailure(error: unknown, path: string): string {
  const message = error instanceof Error ? error.message : String(error);
  if (message.includes('only one active data directory')) {
    return 'this process already has another chDB data directory open';
  }
  const holder = embeddedHolder(path);
  if (holder !== undefined)
    return `process ${holder.pid} has had it open since ${holder.since} (a data directory serves one process at a time)`;
  return `${message} (a data directory serves one process: is another hopwatch using it?)`;
}

let connections = 0;

/**
 * Where one connection puts its Native inserts: its own directory, as a process may connect twice
 * to its data directory; those of other processes are left over from one that ended mid-insert (the
 * engine's lock keeps a directory to one process) and go.
 */
function scratchDirectory(chdbPath: string): string {
  const parent = join(chdbPath, 'hopwatch-inserts');
  mkdirSync(parent, { recursive: true });
  for (const entry of readdirSync(parent)) {
    if (!entry.startsWith(`${process.pid}-`)) rmSync(join(parent, entry), { recursive: true, force: true });
  }
  connections += 1;
  const own = join(parent, `${process.pid}-${connections}`);
  mkdirSync(own);
  return own;
}

/** A quoted SQL string literal. */
function sqlString(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}
