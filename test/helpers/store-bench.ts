/**
 * Store measurements on the embedded engine: insert throughput for findings and hops, and the read
 * paths (FINAL against argMax and LIMIT 1 BY deduplication, point lookups). Not a test: run with
 * `npm run build && node dist/test/helpers/store-bench.js [findings] [hops]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../common/logger.js';
import { parseConfig } from '../../pipeline/load-config.js';
import { connectStore } from '../../store/connection.js';
import { openStore } from '../../store/index.js';
import { findingColumns } from '../../store/rows.js';
import { makeFinding, makeHop } from './store-fixtures.js';

const findingCount = Number(process.argv[2] ?? 100_000);
const hopCount = Number(process.argv[3] ?? 200_000);
const dataDir = mkdtempSync(join(tmpdir(), 'hopwatch-store-bench-'));
const parsed = parseConfig({ dataDir, logLevel: 'silent' });
if (!parsed.ok) throw new Error(parsed.reason);
const store = await openStore(parsed.config, createLogger('silent'));

async function timed(label: string, rows: number, write: () => Promise<void>): Promise<void> {
  const started = performance.now();
  await write();
  const seconds = (performance.now() - started) / 1000;
  console.log(`${label}: ${rows} rows in ${seconds.toFixed(2)} s = ${Math.round(rows / seconds)} rows/s`);
}

await timed('insert findings', findingCount, async () => {
  for (let start = 0; start < findingCount; start += 2_000) {
    const findings = [];
    for (let index = start; index < Math.min(findingCount, start + 2_000); index += 1)
      findings.push(makeFinding(index));
    await store.writer.write({ findings });
  }
  await store.writer.flush();
});
// A replay of the last tenth, re-detected later: the copies sit in separate parts until a merge.
const replayed = Math.floor(findingCount / 10);
await timed('insert replayed findings', replayed, async () => {
  const findings = [];
  for (let index = findingCount - replayed; index < findingCount; index += 1) {
    const original = makeFinding(index);
    findings.push({ ...original, detectedAt: original.detectedAt + 5_000, severity: 'critical' as const });
  }
  await store.writer.write({ findings });
  await store.writer.flush();
});
await timed('insert hops', hopCount, async () => {
  const base = Date.now() - 3_600_000;
  for (let start = 0; start < hopCount; start += 2_000) {
    const hops = [];
    for (let index = start; index < Math.min(hopCount, start + 2_000); index += 1) {
      hops.push(makeHop(Math.floor(index / 3), index % 3, base + index));
    }
    await store.writer.write({ hops });
  }
  await store.writer.flush();
});

// A second client on the same directory shares the engine (same path), for raw SQL variants.
const { client } = await connectStore(parsed.config);

async function median(label: string, run: () => Promise<unknown>, repeat = 9): Promise<void> {
  await run();
  const times: number[] = [];
  for (let index = 0; index < repeat; index += 1) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  console.log(`${label}: median ${times[Math.floor(repeat / 2)]!.toFixed(1)} ms`);
}

const sql = async (query: string, params: Record<string, unknown> = {}) =>
  (await client.query({ query, query_params: params, format: 'JSONEachRow' })).json();

const table = 'hopwatch.findings';
const columns = [
  'detector',
  'rule',
  'severity',
  'score',
  'originCredential',
  'credential',
  'traceIds',
  'windowStart',
  'windowEnd',
  'detectedAt',
  'summary',
  'evidence',
];
// The latest version of each id as one tuple, unpacked under the column names.
const argMaxLatest = (where: string) =>
  `SELECT id, ${columns.map((column, index) => `latest.${index + 1} AS ${column}`).join(', ')}
   FROM (SELECT id, argMax((${columns.join(', ')}), detectedAt) AS latest FROM ${table} WHERE ${where} GROUP BY id)`;
const variants: Record<string, (where: string, having: string) => string> = {
  FINAL: (where, having) =>
    `SELECT ${findingColumns} FROM (SELECT * FROM ${table} FINAL WHERE ${where} AND ${having}
      ORDER BY windowEnd DESC, id DESC LIMIT 101)`,
  argMax: (where, having) =>
    `SELECT ${findingColumns} FROM (SELECT * FROM (${argMaxLatest(where)}) WHERE ${having}
      ORDER BY windowEnd DESC, id DESC LIMIT 101)`,
  'LIMIT 1 BY': (where, having) =>
    `SELECT ${findingColumns} FROM (SELECT * FROM (SELECT * FROM ${table} WHERE ${where}
      ORDER BY id, detectedAt DESC LIMIT 1 BY id) WHERE ${having} ORDER BY windowEnd DESC, id DESC LIMIT 101)`,
};
const middle = makeFinding(Math.floor(findingCount / 2));
const pages: Record<string, { where: string; having: string; params: Record<string, unknown> }> = {
  'first page': { where: '1', having: '1', params: {} },
  'severity=critical': { where: '1', having: "severity = 'critical'", params: {} },
  'one origin credential': {
    where: '1',
    having: 'originCredential = {c:String}',
    params: { c: middle.originCredential },
  },
  'deep page (cursor in the middle)': {
    where: `(windowEnd, id) < (fromUnixTimestamp64Milli({e:Int64}, 'UTC'), {i:String})
      AND windowStart <= fromUnixTimestamp64Milli({e:Int64}, 'UTC')`,
    having: '1',
    params: { e: middle.windowEnd, i: middle.id },
  },
};
for (const [page, { where, having, params }] of Object.entries(pages)) {
  for (const [name, build] of Object.entries(variants)) {
    await median(`findings ${page}, ${name}`, () => sql(build(where, having), params));
  }
}
await median('getFinding FINAL', () =>
  sql(`SELECT ${findingColumns} FROM ${table} FINAL WHERE id = {id:String}`, { id: middle.id }),
);
await median('getFinding argMax', () =>
  sql(`SELECT ${findingColumns} FROM (${argMaxLatest('id = {id:String}')})`, { id: middle.id }),
);
await median('reader.getFinding', () => store.reader.getFinding(middle.id));
await median('reader.listFindings first page (100)', () => store.reader.listFindings({}, 100, null));
await median('reader.traceHops', () => store.reader.traceHops(makeHop(12_345, 0, 0).traceId!));
await median('reader.credentialSummary', () =>
  store.reader.credentialSummary(makeHop(1, 0, 0).originCredential),
);
await median('reader.stats', () => store.reader.stats());

await client.close();
await store.close();
rmSync(dataDir, { recursive: true, force: true });
