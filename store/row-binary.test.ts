import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drainPending } from 'chdb';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../pipeline/load-config.js';
import { encodedRow } from '../test/helpers/store-fixtures.js';
import { connectStore, type StoreConnection } from './connection.js';
import { RowBinaryEncoder } from './row-binary.js';

const columns = [
  ['name', 'String'],
  ['maybe', 'Nullable(String)'],
  ['kind', 'LowCardinality(String)'],
  ['tags', 'Array(String)'],
  ['at', "DateTime64(3, 'UTC')"],
  ['ratio', 'Nullable(Float64)'],
  ['status', 'UInt32'],
  ['depth', 'UInt16'],
  ['flag', 'Bool'],
] as const;

const dataDir = mkdtempSync(join(tmpdir(), 'hopwatch-rowbinary-'));
let connection: StoreConnection | undefined;

afterAll(async () => {
  await connection?.client.close();
  await drainPending();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('RowBinary rows', () => {
  it('are read back by chDB as written: long and non-ASCII strings, nulls, arrays, instants, out-of-range integers', async () => {
    const parsed = parseConfig({ dataDir, logLevel: 'silent' });
    if (!parsed.ok) throw new Error(parsed.reason);
    connection = await connectStore(parsed.config);
    const { client, rawInsert } = connection;
    await client.command({
      query: `CREATE TABLE default.rb (${columns.map(([name, type]) => `${name} ${type}`).join(', ')}) ENGINE = MergeTree ORDER BY name`,
    });
    const long = `päth/${'x'.repeat(300)}/🚀`;
    // The longest ASCII string whose length fits one byte, and one that turns out not ASCII at its end.
    const edges = ['y'.repeat(127), 'z'.repeat(128), `${'w'.repeat(126)}é`];
    const rows = [
      ['a', null, 'api_key', [], 1_767_225_600_123, 0.25, 200, 3, true],
      [long, 'é', 'jwt', ['read', long, '', ...edges], 0, null, 4_294_967_295, 0, false],
      ['c', '', 'mtls', ['x'], 8_640_000_000_000, 1e300, 99_999_999_999, 70_000, false],
    ];
    const encoder = new RowBinaryEncoder(columns.map(([, type]) => type));
    await rawInsert!({
      table: 'default.rb',
      values: rows.map((row) => encodedRow(encoder, row)),
      format: 'RowBinary',
      columns: columns.map(([name]) => name),
    });
    const read = await (
      await client.query({
        query: 'SELECT *, toUnixTimestamp64Milli(at) AS atMs FROM default.rb ORDER BY name',
        format: 'JSONCompactEachRow',
      })
    ).json<unknown[]>();
    expect(read.map((row) => [...row.slice(0, 4), Number(row[9]), ...row.slice(5, 9)])).toEqual([
      ['a', null, 'api_key', [], 1_767_225_600_123, 0.25, 200, 3, true],
      ['c', '', 'mtls', ['x'], 8_640_000_000_000, 1e300, 4_294_967_295, 65_535, false],
      [long, 'é', 'jwt', ['read', long, '', ...edges], 0, null, 4_294_967_295, 0, false],
    ]);
  });

  it('reach chDB whole however many pieces an insert comes in (more than one writev takes)', async () => {
    const { client, rawInsert } = connection!;
    await client.command({
      query: 'CREATE TABLE default.pieces (n UInt32, s String) ENGINE = MergeTree ORDER BY n',
    });
    const encoder = new RowBinaryEncoder(['UInt32', 'String']);
    const pieces = Array.from({ length: 2_500 }, (_, n) => encodedRow(encoder, [n, `row ${n}`]));
    // Empty pieces are legal and carry nothing.
    pieces.splice(1_024, 0, Buffer.alloc(0));
    await rawInsert!({ table: 'default.pieces', values: pieces, format: 'RowBinary', columns: ['n', 's'] });
    const [summary] = await (
      await client.query({
        query:
          "SELECT count() AS rows, sum(n) AS total, countIf(s = concat('row ', toString(n))) AS intact FROM default.pieces",
        format: 'JSONEachRow',
      })
    ).json<{ rows: number; total: number; intact: number }>();
    expect(summary).toEqual({ rows: 2_500, total: (2_499 * 2_500) / 2, intact: 2_500 });
  });

  it('refuse a column type they have no encoding for, when built', () => {
    expect(() => new RowBinaryEncoder(['String', 'Map(String, String)'])).toThrow(/Map\(String, String\)/);
  });
});
