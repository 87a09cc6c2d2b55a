import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drainPending } from 'chdb';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../pipeline/load-config.js';
import type { PathStep } from '../schemas/resolved-hop.js';
import { connectStore, type StoreConnection } from './connection.js';
import { NativeBlocks, type NativeColumnSpec } from './native-blocks.js';
import { hopNativeColumns, pathText } from './rows.js';

const pathWriter = hopNativeColumns.find(([name]) => name === 'path')![1];

const columns: NativeColumnSpec[] = [
  ['name', 'String'],
  ['maybe', 'Nullable(String)'],
  ['kind', 'LowCardinality(String)'],
  ['tags', 'Array(String)'],
  ['at', "DateTime64(3, 'UTC')"],
  ['ratio', 'Nullable(Float64)'],
  ['status', 'UInt32'],
  ['depth', 'UInt16'],
  ['flag', 'Bool'],
  ['partition', 'Nullable(UInt32)'],
  ['path', pathWriter],
];
const ddl = ['String', 'Nullable(String)', 'LowCardinality(String)', 'Array(String)', "DateTime64(3, 'UTC')"]
  .concat(['Nullable(Float64)', 'UInt32', 'UInt16', 'Bool', 'Nullable(UInt32)', 'String'])
  .map((type, index) => `${columns[index]![0]} ${type}`)
  .join(', ');

const dataDir = mkdtempSync(join(tmpdir(), 'hopwatch-native-'));
let connection: StoreConnection | undefined;

afterAll(async () => {
  await connection?.client.close();
  await drainPending();
  rmSync(dataDir, { recursive: true, force: true });
});

async function connected(): Promise<StoreConnection> {
  if (connection !== undefined) return connection;
  const parsed = parseConfig({ dataDir, logLevel: 'silent' });
  if (!parsed.ok) throw new Error(parsed.reason);
  connection = await connectStore(parsed.config);
  return connection;
}

const steps = (count: number, width: number): PathStep[] =>
  Array.from({ length: count }, (_, index) => ({
    hopId: `${index}`.padStart(width, 'h'),
    service: 'tickets',
    workload: index % 2 === 0 ? undefined : 'naïve "agent"',
    credential: 'key:é',
  }));

describe('Native blocks', () => {
  it('are read back by chDB as written: long and non-ASCII strings, nulls, arrays, instants, out-of-range integers, a text built in place', async () => {
    const { client, rawInsert } = await connected();
    expect(connection!.hopFormat).toBe('Native');
    await client.command({ query: `CREATE TABLE default.nb (${ddl}) ENGINE = MergeTree ORDER BY name` });
    const long = `päth/${'x'.repeat(300)}/🚀`;
    // The longest ASCII string whose length fits one byte, and one that turns out not ASCII at its end.
    const edges = ['y'.repeat(127), 'z'.repeat(128), `${'w'.repeat(126)}é`];
    // A path whose text needs three bytes of length, one that needs one, and an empty one.
    const paths = [steps(3, 4), steps(6_000, 20), []];
    const rows = [
      ['a', null, 'api_key', [], 1_767_225_600_123, 0.25, 200, 3, true, 7, paths[0]],
      [long, 'é', 'jwt', ['read', long, '', ...edges], 0, null, 4_294_967_295, 0, false, null, paths[1]],
      ['c', '', 'mtls', ['x'], 8_640_000_000_000, 1e300, 99_999_999_999, 70_000, false, 0, paths[2]],
    ];
    // Two rows a block: the third is in a block of its own, closed when the INSERT takes the rows.
    const queue = new NativeBlocks('default.nb', columns, 2);
    for (const row of rows) queue.push(row);
    const taken = queue.take(3);
    expect(taken.count).toBe(3);
    await rawInsert!({
      table: 'default.nb',
      values: taken.rows,
      format: 'Native',
      columns: queue.format.columns,
    });
    const read = await (
      await client.query({
        query: 'SELECT * EXCEPT at, toUnixTimestamp64Milli(at) AS atMs FROM default.nb ORDER BY name',
        format: 'JSONCompactEachRow',
      })
    ).json<unknown[]>();
    expect(
      read.map(([name, maybe, kind, tags, ...rest]) => [
        name,
        maybe,
        kind,
        tags,
        Number(rest[6]),
        ...rest.slice(0, 6),
      ]),
    ).toEqual([
      ['a', null, 'api_key', [], 1_767_225_600_123, 0.25, 200, 3, true, 7, pathText(paths[0]!)],
      [
        'c',
        '',
        'mtls',
        ['x'],
        8_640_000_000_000,
        1e300,
        4_294_967_295,
        65_535,
        false,
        0,
        pathText(paths[2]!),
      ],
      [
        long,
        'é',
        'jwt',
        ['read', long, '', ...edges],
        0,
        null,
        4_294_967_295,
        0,
        false,
        null,
        pathText(paths[1]!),
      ],
    ]);
  });

  it('reach chDB whole however many blocks an insert comes in (more than one writev takes)', async () => {
    const { client, rawInsert } = await connected();
    await client.command({
      query: 'CREATE TABLE default.blocks (n UInt32, s String) ENGINE = MergeTree ORDER BY n',
    });
    const queue = new NativeBlocks(
      'default.blocks',
      [
        ['n', 'UInt32'],
        ['s', 'String'],
      ],
      2,
    );
    for (let n = 0; n < 2_500; n++) queue.push([n, `row ${n}`]);
    const taken = queue.take(2_500);
    // 1,250 blocks in five pieces each (the block's start, then each column's header and bytes).
    expect([taken.count, taken.rows.length]).toEqual([2_500, 6_250]);
    await rawInsert!({ table: 'default.blocks', values: taken.rows, format: 'Native', columns: ['n', 's'] });
    const [summary] = await (
      await client.query({
        query:
          "SELECT count() AS rows, sum(n) AS total, countIf(s = concat('row ', toString(n))) AS intact FROM default.blocks",
        format: 'JSONEachRow',
      })
    ).json<{ rows: number; total: number; intact: number }>();
    expect(summary).toEqual({ rows: 2_500, total: (2_499 * 2_500) / 2, intact: 2_500 });
  });

  it('take back what a row wrote when a value throws, so that the block stays readable', async () => {
    const { client, rawInsert } = await connected();
    await client.command({
      query:
        'CREATE TABLE default.undone (tags Array(Nullable(String)), n UInt32, s String) ENGINE = MergeTree ORDER BY n',
    });
    const queue = new NativeBlocks('default.undone', [
      ['tags', 'Array(Nullable(String))'],
      ['n', 'UInt32'],
      ['s', 'String'],
    ]);
    queue.push([['a', null], 1, 'one']);
    // The array and the number are written before the missing string throws.
    expect(() => queue.push([['b', 'c', null], 2, undefined])).toThrow(TypeError);
    expect(() => queue.push([7, 3, 'three'])).toThrow(TypeError);
    queue.push([[], 4, 'four']);
    queue.push([[null, 'd'], 5, 'five']);
    expect(queue.size()).toBe(3);
    const taken = queue.take(10);
    await rawInsert!({
      table: 'default.undone',
      values: taken.rows,
      format: 'Native',
      columns: ['tags', 'n', 's'],
    });
    const read = await (
      await client.query({ query: 'SELECT * FROM default.undone ORDER BY n', format: 'JSONCompactEachRow' })
    ).json<unknown[]>();
    expect(read).toEqual([
      [['a', null], 1, 'one'],
      [[], 4, 'four'],
      [[null, 'd'], 5, 'five'],
    ]);
  });

  it('hand out whole blocks from the head, remove them only once written, and keep rows pushed meanwhile', () => {
    const queue = new NativeBlocks('t', [['n', 'UInt32']], 4);
    for (let n = 0; n < 10; n++) queue.push([n]);
    expect(queue.size()).toBe(10);
    // Two closed blocks hold 8 rows: asked for 5, the queue hands out both, never a part of one.
    const first = queue.take(5);
    expect(first.count).toBe(8);
    // A failed INSERT is taken again unchanged, rows pushed meanwhile behind it.
    queue.push([10]);
    const again = queue.take(5);
    expect(again.count).toBe(8);
    expect(Buffer.concat(again.rows).equals(Buffer.concat(first.rows))).toBe(true);
    first.written();
    expect(queue.size()).toBe(3);
    // Fewer closed rows than asked for: the open block is closed and taken.
    const rest = queue.take(100);
    expect(rest.count).toBe(3);
    rest.written();
    expect(queue.size()).toBe(0);
    expect(queue.take(10)).toMatchObject({ count: 0, rows: [] });
  });

  it("keep a block's bytes as written until it is written, while written blocks' buffers are used again", () => {
    const specs: NativeColumnSpec[] = [
      ['name', 'String'],
      ['maybe', 'Nullable(String)'],
      ['tags', 'Array(String)'],
    ];
    // Names and tags long enough that a block of four fills a good part of a column's buffer (which
    // is then handed over), null maps and offsets short enough to be copied out.
    const row = (n: number) => [
      `name-${n}-`.repeat(12 + (n % 3)),
      n % 2 === 0 ? null : `m${n}`,
      [`tag-${n}-`.repeat(10), 'x'],
    ];
    // Each block as a queue of its own encodes it, with buffers used once.
    const alone = (from: number, count: number) => {
      const queue = new NativeBlocks('t', specs, count);
      for (let n = from; n < from + count; n++) queue.push(row(n));
      return Buffer.concat(queue.take(count).rows);
    };
    const queue = new NativeBlocks('t', specs, 4);
    for (let n = 0; n < 8; n++) queue.push(row(n));
    const first = queue.take(4);
    // Rows keep coming while the INSERT runs: a third block closes and a fourth is begun.
    for (let n = 8; n < 14; n++) queue.push(row(n));
    expect(Buffer.concat(first.rows).equals(alone(0, 4))).toBe(true);
    first.written();
    // The first block's buffers now take the fourth block's rows, while the second and third wait.
    for (let n = 14; n < 18; n++) queue.push(row(n));
    const waiting = queue.take(8);
    expect(Buffer.concat(waiting.rows).equals(Buffer.concat([alone(4, 4), alone(8, 4)]))).toBe(true);
    waiting.written();
    // A small block closed by a take is held apart from the buffers rows go on into.
    const small = queue.take(100);
    for (let n = 18; n < 26; n++) queue.push(row(n));
    expect(Buffer.concat(small.rows).equals(Buffer.concat([alone(12, 4), alone(16, 2)]))).toBe(true);
    small.written();
    expect(Buffer.concat(queue.take(100).rows).equals(Buffer.concat([alone(18, 4), alone(22, 4)]))).toBe(
      true,
    );
  });

  it('refuse a column type they have no encoding for, when built', () => {
    expect(
      () =>
        new NativeBlocks('t', [
          ['a', 'String'],
          ['b', 'Map(String, String)'],
        ]),
    ).toThrow(/Map\(String, String\)/);
  });
});
