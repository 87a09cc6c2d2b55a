import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../common/logger.js';
import { MemorySink } from '../pipeline/sinks/memory.js';
import type { Finding } from '../schemas/finding.js';
import type { ResolvedHop } from '../schemas/resolved-hop.js';
import { connectStore } from '../store/connection.js';
import { openStore } from '../store/index.js';
import { insertSettings } from '../store/writer.js';
import { makeFinding } from '../test/helpers/store-fixtures.js';
import { benchConfig, benchPipeline, recordBatches } from './discard.js';
import { medianOf, perSecond, type Repeat } from './measure.js';
import { submitAll } from './pipeline-case.js';
import { type CaseResult, caseResult } from './results.js';
import type { Corpus } from './traffic.js';

/** The resolved hops the pipeline hands the store for `corpus`: real rows, as wide as they come. */
export async function resolvedHops(corpus: Corpus): Promise<ResolvedHop[]> {
  const collecting = new MemorySink(true);
  const pipeline = await benchPipeline(benchConfig(), [], [collecting]);
  await submitAll(pipeline.lane('bench'), recordBatches(corpus.lines, 500));
  return collecting.hops;
}

const writeBatch = 2_000;
const hopsTarget = 60_000;

/**
 * Case 6: rows/s through the store writer (batched inserts into embedded chDB: hops as Native blocks,
 * findings as JSON lines) for hops and findings, vs `INSERT INTO <twin> SELECT * FROM <table>` of
 * the same rows inside the engine, with the writer's insert settings.
 */
export async function storeCase(corpus: Corpus, findingCount: number, repeat: Repeat): Promise<CaseResult[]> {
  const hops = await resolvedHops(corpus);
  const dataDir = mkdtempSync(join(tmpdir(), 'hopwatch-bench-store-'));
  const config = benchConfig({ dataDir });
  const store = await openStore(config, createLogger('silent'));
  const { client } = await connectStore(config);
  const { database } = config.store;
  let round = 0;
  const writeAll = async (table: 'hops' | 'findings', rows: readonly (ResolvedHop | Finding)[]) => {
    for (let start = 0; start < rows.length; start += writeBatch) {
      const slice = rows.slice(start, start + writeBatch);
      await store.writer.write(
        table === 'hops' ? { hops: slice as ResolvedHop[] } : { findings: slice as Finding[] },
      );
    }
    await store.writer.flush();
  };
  const rawCopy = async (table: string, rows: number) => {
    round += 1;
    const twin = `${database}.${table}_raw_${round}`;
    await client.command({ query: `CREATE TABLE ${twin} AS ${database}.${table}` });
    // Merges (and optimize_on_insert) fold repeated ids together: repeat the stored rows up to the volume.
    const stored = await (
      await client.query({ query: `SELECT count() AS n FROM ${database}.${table}`, format: 'JSONEachRow' })
    ).json<{ n: string }>();
    const repeats = Math.ceil(rows / Math.max(1, Number(stored[0]?.n)));
    const started = performance.now();
    await client.command({
      query: `INSERT INTO ${twin} SELECT copied.* FROM ${database}.${table} AS copied, numbers(${repeats}) AS repeat LIMIT ${rows}`,
      // As the writer inserts (no deduplication on the way in): the same work, so a fair ratio.
      clickhouse_settings: insertSettings,
    });
    const seconds = (performance.now() - started) / 1000;
    await client.command({ query: `DROP TABLE ${twin}` });
    return seconds;
  };
  try {
    const hopRate = await medianOf(repeat, () => perSecond(hops.length, () => writeAll('hops', hops)));
    const hopRaw = await medianOf(repeat, async () => hops.length / (await rawCopy('hops', hops.length)));
    const findings = Array.from({ length: findingCount }, (_, index) =>
      makeFinding(index + round * findingCount),
    );
    const findingRate = await medianOf(repeat, () =>
      perSecond(findings.length, () => writeAll('findings', findings)),
    );
    const findingRaw = await medianOf(
      repeat,
      async () => findings.length / (await rawCopy('findings', findings.length)),
    );
    return [
      caseResult({
        name: 'store hops insert',
        value: hopRate,
        unit: 'rows/s',
        baseline: hopRaw,
        // Issue 15: at least 60,000 rows/s and half the raw copy.
        target: Math.round(Math.max(hopsTarget, hopRaw / 2)),
      }),
      caseResult({ name: 'store findings insert', value: findingRate, unit: 'rows/s', baseline: findingRaw }),
    ];
  } finally {
    await client.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
