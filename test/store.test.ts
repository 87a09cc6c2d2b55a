import { afterEach, expect, it, vi } from 'vitest';
import { createLogger } from '../common/logger.js';
import type { HopwatchConfig } from '../pipeline/config.js';
import type { Finding } from '../schemas/finding.js';
import { InvalidCursorError, migrateStore } from '../store/index.js';
import { migrations } from '../store/migrations.js';
import { migrationsTable } from '../store/schema.js';
import { storeTables } from '../store/tables.js';
import type { FindingFilter, HopwatchStore } from '../store/types.js';
import { BufferedStoreWriter, clickhouseInsert } from '../store/writer.js';
import { makeDeadLetter, makeFinding, makeHop } from './helpers/store-fixtures.js';
import { describeStoreTargets, type StoreOverrides } from './helpers/store-targets.js';

const newestFirst = (a: Finding, b: Finding) =>
  b.windowEnd - a.windowEnd || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

describeStoreTargets('store', (target) => {
  const opened: HopwatchStore[] = [];
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });

  async function fresh(
    overrides: StoreOverrides = {},
  ): Promise<{ config: HopwatchConfig; store: HopwatchStore }> {
    const config = target.config(overrides);
    const store = await target.open(config);
    opened.push(store);
    return { config, store };
  }

  async function write(store: HopwatchStore, batch: Parameters<HopwatchStore['writer']['write']>[0]) {
    await store.writer.write(batch);
    await store.writer.flush();
  }

  async function walk(store: HopwatchStore, filter: FindingFilter, limit: number): Promise<Finding[]> {
    const seen: Finding[] = [];
    let cursor: string | null = null;
    do {
      const page = await store.reader.listFindings(filter, limit, cursor);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== null);
    return seen;
  }

  /** One finding, a trace whose last hop fills every optional field, and a dead letter. */
  function everyKindOfRow(now: number) {
    const finding = makeFinding(1, { credential: 'key:00000000000000aa' });
    const everyField = makeHop(7, 3, now + 3, {
      credential: {
        id: 'jwt:https://idp.example|agent-2',
        kind: 'jwt',
        subject: 'agent-2',
        issuer: 'https://idp.example',
        scopes: ['tickets:read', 'tickets:write'],
        jti: 'jti-1',
      },
      delegation: ['jwt:https://idp.example|user-1', 'jwt:https://idp.example|agent-2'],
      source: { workload: 'svc-2', agent: 'planner', ip: '10.0.0.7' },
      destination: {
        service: 'svc-3',
        host: 'svc-3.internal',
        method: 'POST',
        path: '/mcp',
        route: '/mcp',
        tool: 'search',
        protocol: 'mcp',
      },
      rawStatus: '-',
      bytesIn: 128,
      parentInferred: true,
      originConfidence: 'partial',
      sessionId: 'mcp-session-1',
      observer: 'inbound',
      observedAs: ['outbound-7-3'],
      path: [
        { hopId: 'trace-00000007-0', service: 'svc-0', workload: 'support-agent', credential: 'c' },
        { hopId: 'trace-00000007-3', service: 'svc-3', credential: 'c"\\\ttab' },
      ],
    });
    const hops = [...[0, 1, 2].map((depth) => makeHop(7, depth, now + depth)), everyField];
    return { finding, hops, deadLetter: makeDeadLetter(1) };
  }

  async function expectReadBack(store: HopwatchStore, { finding, hops }: ReturnType<typeof everyKindOfRow>) {
    expect(await store.reader.getFinding(finding.id)).toEqual(finding);
    expect(await store.reader.listFindings({}, 10, null)).toEqual({ items: [finding], nextCursor: null });
    expect(await store.reader.traceHops(hops[0]!.traceId!)).toEqual(hops);
    expect(await store.reader.stats()).toEqual({ findings: 1, hops: 4, deadLetters: 1 });
  }

  it('reads back findings, hops and dead letters as they were written', async () => {
    const { store } = await fresh();
    const rows = everyKindOfRow(Date.now());
    await write(store, { findings: [rows.finding], hops: rows.hops, deadLetters: [rows.deadLetter] });
    await expectReadBack(store, rows);
    expect(store.writer.pending()).toBe(0);
    expect(store.writer.available()).toBe(true);
    expect(await store.ping()).toBe(true);
  });

  it("writes the same rows through the client's INSERT (a server's path) as through chDB's own insert", async () => {
    const { config, store } = await fresh();
    const sql = await target.sql(config);
    const writer = new BufferedStoreWriter(
      clickhouseInsert({ client: sql }),
      storeTables(config.store.database),
      config.store,
      createLogger('silent'),
    );
    try {
      const rows = everyKindOfRow(Date.now());
      await writer.write({ findings: [rows.finding], hops: rows.hops, deadLetters: [rows.deadLetter] });
      await writer.flush();
      await expectReadBack(store, rows);
    } finally {
      await writer.close();
      await sql.close();
    }
  });

  it('a write waiting for room goes on once one batch is in, while the rest of the buffer is still being written', async () => {
    const { config, store } = await fresh({ batchMaxRows: 10, bufferMaxRows: 30, batchMaxDelayMs: 60_000 });
    const sql = await target.sql(config);
    const insert = clickhouseInsert({ client: sql });
    // Each insert waits for the test to let it through, then goes to the store.
    const gates: Array<() => void> = [];
    let inserted = 0;
    const writer = new BufferedStoreWriter(
      async (table, rows, format) => {
        await new Promise<void>((resolve) => gates.push(resolve));
        await insert(table, rows, format);
        inserted += 1;
      },
      storeTables(config.store.database),
      config.store,
      createLogger('silent'),
    );
    const hops = (from: number, count: number) =>
      Array.from({ length: count }, (_, index) => makeHop(from + index, 0, Date.now()));
    const letThrough = async () => {
      await vi.waitFor(() => expect(gates.length).toBeGreaterThan(0));
      gates.shift()!();
    };
    try {
      await writer.write({ hops: hops(0, 30) });
      let accepted = false;
      const waiting = writer.write({ hops: hops(30, 10) }).then(() => {
        accepted = true;
      });
      await letThrough();
      await waiting;
      expect(accepted).toBe(true);
      // 30 rows waiting, three batches' worth: the first INSERT took half the buffer (15), and the
      // write was accepted once it was in, the other 15 still to be inserted.
      expect(inserted).toBe(1);
      expect(writer.pending()).toBe(25);
      const flushed = writer.flush();
      for (let batch = 0; batch < 2; batch++) await letThrough();
      await flushed;
      expect(inserted).toBe(3);
      expect((await store.reader.stats()).hops).toBe(40);
    } finally {
      await writer.close();
      await sql.close();
    }
  });

  it('takes what waits, up to half the buffer, in one INSERT while more than a batch waits, and one batch otherwise', async () => {
    const { config, store } = await fresh({ batchMaxRows: 10, bufferMaxRows: 100, batchMaxDelayMs: 60_000 });
    const sql = await target.sql(config);
    const insert = clickhouseInsert({ client: sql });
    const gates: Array<() => void> = [];
    // How many hops the store holds after each INSERT.
    const storedAfter: number[] = [];
    const writer = new BufferedStoreWriter(
      async (table, rows, format) => {
        await new Promise<void>((resolve) => gates.push(resolve));
        await insert(table, rows, format);
        storedAfter.push((await store.reader.stats()).hops);
      },
      storeTables(config.store.database),
      config.store,
      createLogger('silent'),
    );
    const hops = (from: number, count: number) =>
      Array.from({ length: count }, (_, index) => makeHop(from + index, 0, Date.now()));
    try {
      await writer.write({ hops: hops(0, 10) });
      await vi.waitFor(() => expect(gates.length).toBe(1));
      // While the first batch is being inserted, seven batches' worth arrive.
      await writer.write({ hops: hops(10, 70) });
      const flushed = writer.flush();
      const letThrough = setInterval(() => gates.shift()?.(), 5);
      try {
        await flushed;
      } finally {
        clearInterval(letThrough);
      }
      expect(storedAfter).toEqual([10, 60, 80]);
    } finally {
      await writer.close();
      await sql.close();
    }
  });

  it('answers null and empty for what it never stored', async () => {
    const { store } = await fresh();
    expect(await store.reader.getFinding('no-such-id')).toBeNull();
    expect(await store.reader.traceHops('no-such-trace')).toEqual([]);
    expect(await store.reader.credentialSummary('key:0000000000000000')).toBeNull();
    expect(await store.reader.listFindings({}, 10, null)).toEqual({ items: [], nextCursor: null });
  });

  it('keeps one copy of a finding written twice, the latest detection, in every reader', async () => {
    const { store } = await fresh();
    const finding = makeFinding(3, { severity: 'medium' });
    await write(store, { findings: [finding] });
    await write(store, { findings: [finding] });
    const redetected = { ...finding, severity: 'critical' as const, detectedAt: finding.detectedAt + 5_000 };
    await write(store, { findings: [redetected] });

    expect(await store.reader.getFinding(finding.id)).toEqual(redetected);
    expect((await store.reader.listFindings({}, 10, null)).items).toEqual([redetected]);
    expect((await store.reader.listFindings({ severity: 'critical' }, 10, null)).items).toEqual([redetected]);
    // The superseded version must not match a filter on its old severity.
    expect((await store.reader.listFindings({ severity: 'medium' }, 10, null)).items).toEqual([]);
    expect((await store.reader.stats()).findings).toBe(1);
    const summary = await store.reader.credentialSummary(finding.originCredential);
    expect(summary?.findings).toEqual([{ detector: finding.detector, severity: 'critical', count: 1 }]);
  });

  it('counts a replayed hop once in trace lineage, the credential summary and the store totals', async () => {
    const { store } = await fresh();
    const now = Date.now();
    const hops = [0, 1, 2].map((depth) => makeHop(11, depth, now + depth * 10));
    await write(store, { hops: [...hops, ...hops] });
    await write(store, { hops });

    expect(await store.reader.traceHops(hops[0]!.traceId!)).toEqual(hops);
    expect((await store.reader.stats()).hops).toBe(3);
    expect(await store.reader.credentialSummary(hops[0]!.originCredential)).toEqual({
      credential: hops[0]!.originCredential,
      findings: [],
      firstSeen: now,
      lastSeen: now + 20,
      hopCount: 3,
      topDestinations: [
        { service: 'svc-0', count: 1 },
        { service: 'svc-1', count: 1 },
        { service: 'svc-2', count: 1 },
      ],
    });
  });

  it('summarises a credential: findings by detector and severity, first and last seen, top destinations', async () => {
    const { store } = await fresh();
    const now = Date.now();
    const hops = [0, 1, 2, 3].flatMap((trace) =>
      [0, 1].map((depth) => makeHop(5 * trace, depth, now + trace)),
    );
    const origin = hops[0]!.originCredential;
    const findings = [
      makeFinding(0, {
        originCredential: origin,
        detector: 'rate',
        severity: 'high',
        windowStart: now - 60_000,
      }),
      makeFinding(1, { originCredential: origin, detector: 'rate', severity: 'high', windowStart: now }),
      makeFinding(2, { originCredential: origin, detector: 'fanout', severity: 'low', windowStart: now }),
      makeFinding(3, { originCredential: 'key:ffffffffffffffff', detector: 'fanout', windowStart: now }),
    ];
    await write(store, { hops, findings });

    const summary = await store.reader.credentialSummary(origin);
    expect(summary).toEqual({
      credential: origin,
      findings: [
        { detector: 'fanout', severity: 'low', count: 1 },
        { detector: 'rate', severity: 'high', count: 2 },
      ],
      firstSeen: now - 60_000,
      lastSeen: now + 60_000,
      hopCount: 8,
      topDestinations: [
        { service: 'svc-0', count: 4 },
        { service: 'svc-1', count: 4 },
      ],
    });
  });

  it('filters findings by detector, severity, origin credential and time range', async () => {
    const { store } = await fresh();
    const findings = Array.from({ length: 60 }, (_, index) => makeFinding(index));
    await write(store, { findings });
    const middle = findings[30]!.windowEnd;
    const filters: [FindingFilter, (finding: Finding) => boolean][] = [
      [{ detector: 'recursion' }, (f) => f.detector === 'recursion'],
      [{ severity: 'high' }, (f) => f.severity === 'high'],
      [
        { originCredential: findings[4]!.originCredential },
        (f) => f.originCredential === findings[4]!.originCredential,
      ],
      [{ from: middle }, (f) => f.windowEnd >= middle],
      [{ to: middle }, (f) => f.windowEnd < middle],
      [
        { detector: 'fanout', severity: 'low', from: findings[10]!.windowEnd, to: findings[50]!.windowEnd },
        (f) =>
          f.detector === 'fanout' &&
          f.severity === 'low' &&
          f.windowEnd >= findings[10]!.windowEnd &&
          f.windowEnd < findings[50]!.windowEnd,
      ],
    ];
    for (const [filter, matches] of filters) {
      const expected = findings.filter(matches).sort(newestFirst);
      expect(expected.length).toBeGreaterThan(0);
      expect(await walk(store, filter, 4)).toEqual(expected);
    }
  });

  it('pages through findings without skipping or repeating one while others are being inserted', async () => {
    const { store } = await fresh({ batchMaxRows: 50 });
    const base = Date.UTC(2026, 9, 1);
    // Three findings share each window end, so the id decides their order within it.
    const originals = Array.from({ length: 240 }, (_, index) =>
      makeFinding(index, { windowStart: base + Math.floor(index / 3) * 1_000 }),
    );
    await write(store, { findings: originals });

    const inserted: Finding[] = [];
    let walking = true;
    const insertMeanwhile = async () => {
      for (let round = 0; walking; round += 1) {
        const newer = makeFinding(10_000 + round, { windowStart: base + 1_000_000 + round * 1_000 });
        const between = makeFinding(20_000 + round, { windowStart: base + round * 1_500 + 500 });
        const replay = { ...originals[(round * 37) % originals.length]!, severity: 'critical' as const };
        replay.detectedAt += 1_000 + round;
        inserted.push(newer, between);
        await write(store, { findings: [newer, between, replay] });
      }
    };
    const walkWhileInserting = async () => {
      try {
        return await walk(store, {}, 17);
      } finally {
        walking = false;
      }
    };
    const [seen] = await Promise.all([walkWhileInserting(), insertMeanwhile()]);

    const ids = seen.map((finding) => finding.id);
    expect(new Set(ids).size).toBe(ids.length);
    const originalIds = new Set(originals.map((finding) => finding.id));
    expect(ids.filter((id) => originalIds.has(id)).length).toBe(originals.length);
    const known = new Set([...originalIds, ...inserted.map((finding) => finding.id)]);
    expect(ids.every((id) => known.has(id))).toBe(true);
    expect([...seen].sort(newestFirst)).toEqual(seen);
    expect(inserted.length).toBeGreaterThan(0);
  });

  it('rejects a cursor it did not issue with a 400', async () => {
    const { store } = await fresh();
    for (const cursor of ['not-a-cursor', Buffer.from('["x","y"]').toString('base64url')]) {
      const failure = store.reader.listFindings({}, 10, cursor);
      await expect(failure).rejects.toBeInstanceOf(InvalidCursorError);
      await expect(failure).rejects.toMatchObject({ statusCode: 400 });
    }
  });

  it('partitions hops and dead letters by day with the configured TTL, and drops hops past it', async () => {
    const { config, store } = await fresh({ hopsTtlDays: 7, deadLettersTtlDays: 3 });
    const sql = await target.sql(config);
    try {
      const result = await sql.query({
        query: 'SELECT name, engine_full FROM system.tables WHERE database = {database:String} ORDER BY name',
        query_params: { database: config.store.database },
        format: 'JSONEachRow',
      });
      const tables = Object.fromEntries(
        (await result.json<{ name: string; engine_full: string }>()).map((row) => [
          row.name,
          row.engine_full,
        ]),
      );
      expect(tables.hops).toMatch(
        /^ReplacingMergeTree PARTITION BY toYYYYMMDD\(ts\) ORDER BY \(traceId, id\)/,
      );
      expect(tables.hops).toContain('TTL toDateTime(ts) + toIntervalDay(7)');
      expect(tables.dead_letters).toContain('PARTITION BY toYYYYMMDD(receivedAt)');
      expect(tables.dead_letters).toContain('TTL toDateTime(receivedAt) + toIntervalDay(3)');
      expect(tables.findings).toMatch(
        /^ReplacingMergeTree\(detectedAt\) .*ORDER BY \(detector, windowStart, id\)/,
      );

      const now = Date.now();
      const expired = makeHop(1, 0, now - 8 * 86_400_000);
      const kept = makeHop(2, 0, now - 6 * 86_400_000);
      await store.writer.write({ hops: [expired, kept] });
      await store.writer.flush();
      await sql.command({ query: `OPTIMIZE TABLE ${config.store.database}.hops FINAL` });
      expect(await store.reader.traceHops(expired.traceId!)).toEqual([]);
      expect(await store.reader.traceHops(kept.traceId!)).toEqual([kept]);
    } finally {
      await sql.close();
    }
  });

  it('keeps at most deadLetterMaxBytes of a dead letter, cut on a character boundary', async () => {
    const { config, store } = await fresh({ deadLetterMaxBytes: 65 });
    const raw = 'é'.repeat(100);
    await write(store, { deadLetters: [makeDeadLetter(1, { raw })] });
    const sql = await target.sql(config);
    try {
      const result = await sql.query({
        query: `SELECT raw, rawBytes, reason, topic FROM ${config.store.database}.dead_letters`,
        format: 'JSONEachRow',
      });
      expect(await result.json()).toEqual([
        {
          raw: 'é'.repeat(32),
          rawBytes: 200,
          reason: 'not valid JSON at column 3',
          topic: 'hopwatch.access-logs',
        },
      ]);
    } finally {
      await sql.close();
    }
  });

  it('carries hops written in the first layout (named tuples) over to the flat one, all of them read back as written', async () => {
    const config = target.config();
    const settings = {
      tables: storeTables(config.store.database),
      hopsTtlDays: config.store.hopsTtlDays,
      deadLettersTtlDays: config.store.deadLettersTtlDays,
    };
    const now = Date.now() - 60_000;
    const root = makeHop(41, 0, now, { delegation: ['jwt:https://idp.example|user-7'], sessionId: 'mcp-1' });
    const child = makeHop(41, 1, now + 5, {
      parentInferred: true,
      originConfidence: 'partial',
      observedAs: ['outbound-copy'],
      path: [
        ...root.path,
        { hopId: 'trace-00000029-1', service: 'svc-1', credential: 'api_key:sha256:ab12' },
      ],
    });
    const untraced = makeHop(42, 0, now + 9, { traceId: undefined, spanId: undefined, requestId: undefined });
    const firstLayout = [root, child, untraced];
    const sql = await target.sql(config);
    try {
      await sql.command({ query: `CREATE DATABASE IF NOT EXISTS ${config.store.database}` });
      await sql.command({ query: migrationsTable(settings) });
      for (const migration of migrations.slice(0, 3)) {
        await migration.apply(sql, settings);
        await sql.insert({
          table: settings.tables.migrations,
          values: [{ version: migration.version, name: migration.name }],
          format: 'JSONEachRow',
        });
      }
      // How the first layout took hops: the objects as they are, nested objects into named tuples.
      await sql.insert({
        table: settings.tables.hops,
        values: firstLayout.map((hop) => ({ ...hop, traceId: hop.traceId ?? '' })),
        format: 'JSONEachRow',
        clickhouse_settings: {
          input_format_json_named_tuples_as_objects: 1,
          input_format_json_defaults_for_missing_elements_in_named_tuple: 1,
        },
      });
    } finally {
      await sql.close();
    }
    const store = await target.open(config);
    opened.push(store);
    expect(await store.reader.traceHops(root.traceId ?? '')).toEqual([root, child]);
    expect((await store.reader.credentialSummary(root.originCredential))?.hopCount).toBe(2);
    const summary = await store.reader.credentialSummary(untraced.originCredential);
    expect(summary?.topDestinations).toEqual([{ service: 'svc-0', count: 1 }]);
    expect(await store.reader.stats()).toMatchObject({ hops: 3 });
    expect(await store.migrate()).toEqual([]);
  });

  it('applies each migration once: a restart applies nothing and keeps the data', async () => {
    const config = target.config();
    expect((await migrateStore(config)).changes).toEqual([
      'migration 1: create findings, hops and dead_letters',
      'migration 2: incidents, and the incident and silence of each finding',
      'migration 3: the MCP session and the other observation points of each hop',
      'migration 4: hops in flat columns, the lineage path as JSON text',
      'migration 5: hop parts up to 64 MB written compact',
      "migration 6: a hop's path stored without the hop's own step",
      'migration 7: where each hop was logged',
    ]);
    expect(await migrateStore(config)).toMatchObject({ changes: [], version: 7 });

    const first = await target.open(config);
    expect(await first.migrate()).toEqual([]);
    const finding = makeFinding(9);
    await first.writer.write({ findings: [finding] });
    await first.close();

    const second = await target.open(config);
    opened.push(second);
    expect(await second.migrate()).toEqual([]);
    expect(await second.reader.getFinding(finding.id)).toEqual(finding);
    const sql = await target.sql(config);
    try {
      const result = await sql.query({
        query: `SELECT version, name FROM ${config.store.database}.schema_migrations ORDER BY version`,
        format: 'JSONEachRow',
      });
      expect(await result.json()).toEqual([
        { version: 1, name: 'create findings, hops and dead_letters' },
        { version: 2, name: 'incidents, and the incident and silence of each finding' },
        { version: 3, name: 'the MCP session and the other observation points of each hop' },
        { version: 4, name: 'hops in flat columns, the lineage path as JSON text' },
        { version: 5, name: 'hop parts up to 64 MB written compact' },
        { version: 6, name: "a hop's path stored without the hop's own step" },
        { version: 7, name: 'where each hop was logged' },
      ]);
      const hops = await sql.query({
        query: `SELECT engine_full FROM system.tables WHERE database = {db:String} AND name = 'hops'`,
        query_params: { db: config.store.database },
        format: 'JSONEachRow',
      });
      const [{ engine_full }] = (await hops.json()) as [{ engine_full: string }];
      expect(engine_full).toContain('min_bytes_for_wide_part = 67108864');
    } finally {
      await sql.close();
    }
  });

  it('follows a changed retention at start-up', async () => {
    const config = target.config();
    await migrateStore(config);
    const shorter = { ...config, store: { ...config.store, hopsTtlDays: 7 } };
    expect((await migrateStore(shorter)).changes).toEqual(['hops: TTL 30 → 7 days']);
    expect((await migrateStore(shorter)).changes).toEqual([]);
  });
});
