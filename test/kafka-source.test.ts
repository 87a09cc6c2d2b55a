import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { drainPending } from 'chdb';
import { afterAll, describe, expect, it } from 'vitest';
import { matchFindings } from '../evaluation/match.js';
import { checkpointPath, readCheckpoint } from '../ingest/kafka-checkpoint.js';
import { deadLetterHeaders } from '../ingest/kafka-dead-letters.js';
import { normalizeRecord } from '../ingest/normalize.js';
import type { Finding } from '../schemas/finding.js';
import { connectStore } from '../store/connection.js';
import { openStore } from '../store/index.js';
import { applyMigrations } from '../store/migrations.js';
import { ClickHouseStoreReader } from '../store/reader.js';
import { storeTables } from '../store/tables.js';
import { BufferedStoreWriter, clickhouseInsert } from '../store/writer.js';
import {
  consumeAll,
  freshTopic,
  kafkaClient,
  kafkaConfigFor,
  mergeScenarios,
  produceFiles,
  queryRows,
  scenarioFile,
  scenarioLabels,
  silent,
  startInProcess,
  tempDataDir,
  waitUntil,
} from './helpers/kafka-ingest.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dataDir(what: string): string {
  const dir = tempDataDir(what);
  dirs.push(dir);
  return dir;
}

/** Quick retries and a small buffer, so that an outage stops intake within a few hundred records. */
const impatientStore = {
  bufferMaxRows: 50,
  batchMaxRows: 20,
  retryMaxAttempts: 2,
  retryBaseDelayMs: 10,
  retryMaxDelayMs: 50,
  batchMaxDelayMs: 20,
  // The scenario's hops are from 2025: keep them past the default TTL so that they can be counted.
  hopsTtlDays: 3_650,
};

/** Committed offsets of the group on the topic, partitions with none left out. */
async function committedOffsets(groupId: string, topic: string): Promise<number[]> {
  const admin = kafkaClient().admin();
  await admin.connect();
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  await admin.disconnect();
  return (offsets?.partitions ?? []).map((entry) => Number(entry.offset)).filter((offset) => offset >= 0);
}

/** Attacks in Envoy, OTLP and canonical records, and a benign SRE bot in Kong's. */
const attackScenarios = [
  'runaway-retry',
  'agent-recursion',
  'fanout-explosion',
  'scope-creep',
  'auth-probing',
  'stolen-key',
  'readonly-mutation',
  'sre-bot',
];

const sortedIds = (findings: Finding[]) => findings.map((finding) => finding.id).sort();

describe('Kafka source, in process over embedded chDB', () => {
  it('scenarios in four formats spread over six partitions yield their labelled findings, each stored and alerted once', async () => {
    const { topic, groupId } = await freshTopic('scenarios');
    const dir = dataDir('kafka-scenarios');
    const config = kafkaConfigFor(topic, groupId, dir);
    const labels = mergeScenarios(attackScenarios, join(dir, 'merged.ndjson'));
    const records = await produceFiles(config, topic, [join(dir, 'merged.ndjson')]);
    const store = await openStore(config, silent);
    const consumer = await startInProcess(config, store.writer);
    const started = Date.now();
    await waitUntil('every record consumed', () => consumer.received() === records);
    const consumedMs = Date.now() - started;
    await waitUntil(
      'lag 0 on every partition',
      () => consumer.lag.size === 6 && [...consumer.lag.values()].every((lag) => lag === 0),
    );
    await consumer.stop();
    console.info(
      `${records} records (${consumer.pipeline.stats().engine.eventsObserved} hops) consumed in ${consumedMs} ms`,
    );

    // Partition by partition, a backlog would reach the one watermark late; aligned, nothing is late.
    expect(consumer.pipeline.stats().engine.lateEvents).toBe(0);
    const stored = (await store.reader.listFindings({}, 1_000, null)).items;
    const match = matchFindings(stored, labels);
    expect(match.labels.filter((outcome) => outcome.findings.length === 0)).toEqual([]);
    expect(match.falsePositives).toEqual([]);
    expect(sortedIds(consumer.alerted)).toEqual(sortedIds(stored));
    // `hopwatch replay --to kafka` sent the OTLP batches one trace per record.
    expect(consumer.severalTraces).toEqual(new Map());
    await store.close();
    await drainPending();
  });

  it('counts the records that hold hops of several traces, as a shipper without per-trace keys sends OTLP batches', async () => {
    const { topic, groupId } = await freshTopic('batches', 2);
    const config = kafkaConfigFor(topic, groupId, dataDir('kafka-batches'));
    const lines = readFileSync(scenarioFile('agent-recursion'), 'utf8').trimEnd().split('\n');
    const traces = (line: string) => {
      const decoded = normalizeRecord(line);
      return decoded.ok ? new Set(decoded.events.map((event) => event.traceId)).size : 0;
    };
    const batched = lines.filter((line) => traces(line) > 1).length;
    expect(batched).toBeGreaterThan(0);
    const producer = kafkaClient().producer();
    await producer.connect();
    await producer.send({ topic, messages: lines.map((value) => ({ key: null, value })) });
    await producer.disconnect();
    const store = await openStore(config, silent);
    const consumer = await startInProcess(config, store.writer);
    await waitUntil('every record consumed', () => consumer.received() === lines.length);
    await consumer.stop();
    expect(consumer.severalTraces).toEqual(new Map([[topic, batched]]));
    await store.close();
    await drainPending();
  });

  it('mixed formats give their findings; bad records go to the dead-letter topic with reason and coordinates, and to dead_letters', async () => {
    const { topic, groupId } = await freshTopic('mixed', 3);
    const kong = await freshTopic('kong', 1);
    const config = kafkaConfigFor(topic, groupId, dataDir('kafka-mixed'), {
      topics: [topic, kong.topic],
      formatByTopic: { [kong.topic]: 'kong' },
    });
    const records = await produceFiles(config, topic, ['fixtures/e2e/mixed.ndjson']);
    const producer = kafkaClient().producer();
    await producer.connect();
    await producer.send({ topic: kong.topic, messages: [{ key: 'k1', value: '{"request": "not kong"}' }] });
    await producer.disconnect();
    const store = await openStore(config, silent);
    const consumer = await startInProcess(config, store.writer);
    await waitUntil('every record consumed', () => consumer.received() === records + 1);
    await consumer.stop();

    const stored = (await store.reader.listFindings({}, 1_000, null)).items;
    const raised = new Set(stored.map((finding) => `${finding.detector} ${finding.originCredential}`));
    expect(raised).toContain('fanout jwt:https://idp.example|research-agent');
    expect(raised).toContain('recursion enduser:ops-planner@corp.example');

    const dead = await consumeAll(`${topic}.dead-letter`, 2);
    const truncatedLine = readFileSync('fixtures/e2e/mixed.ndjson', 'utf8').split('\n')[51];
    const byTopic = new Map(dead.map((message) => [message.headers[deadLetterHeaders.topic], message]));
    const fromMixed = byTopic.get(topic);
    expect(fromMixed?.value).toBe(truncatedLine);
    expect(fromMixed?.headers[deadLetterHeaders.reason]).toMatch(/\S/);
    expect(fromMixed?.headers[deadLetterHeaders.format]).toBeUndefined();
    const fromKong = byTopic.get(kong.topic);
    expect(fromKong).toMatchObject({
      key: 'k1',
      value: '{"request": "not kong"}',
      headers: {
        [deadLetterHeaders.partition]: '0',
        [deadLetterHeaders.offset]: '0',
        [deadLetterHeaders.format]: 'kong',
      },
    });

    const rows = await queryRows<{ topic: string; offset: string; reason: string; source: string }>(
      config,
      `SELECT topic, offset, reason, source FROM ${config.store.database}.dead_letters ORDER BY topic`,
    );
    expect(rows.map((row) => [row.source, row.topic, row.reason])).toEqual(
      [
        ['kafka', topic, fromMixed?.headers[deadLetterHeaders.reason]],
        ['kafka', kong.topic, fromKong?.headers[deadLetterHeaders.reason]],
      ].sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
    );
    await store.close();
    await drainPending();
  });

  it('while the store is unavailable consumption pauses and commits nothing; once it is back nothing is lost', async () => {
    const { topic, groupId } = await freshTopic('outage');
    const dir = dataDir('kafka-outage');
    const config = kafkaConfigFor(topic, groupId, dir, {}, { store: impatientStore });
    const tables = storeTables(config.store.database);
    let connection = await connectStore(config);
    let { client } = connection;
    await applyMigrations(client, { tables, hopsTtlDays: 3_650, deadLettersTtlDays: 30 });
    // Every insert goes to whichever engine connection is current, as a restarted server would be.
    const writer = new BufferedStoreWriter(
      (table, rows, format) => clickhouseInsert(connection)(table, rows, format),
      tables,
      config.store,
      silent,
    );
    await client.close();
    await drainPending();
    const records = await produceFiles(config, topic, [scenarioFile('stolen-key')]);
    const consumer = await startInProcess(config, writer);

    await waitUntil('the store writer failing', () => !writer.available());
    // The writer may report the failure of a background flush while the next chunk is still on its
    // way in; the pause is the moment intake stops moving.
    let seen = -1;
    await waitUntil('intake pausing', async () => {
      const before = consumer.received();
      await sleep(500);
      const steady = before === seen && consumer.received() === before;
      seen = consumer.received();
      return steady;
    });
    const stalledAt = consumer.received();
    await sleep(2_000);
    expect(consumer.received()).toBe(stalledAt);
    expect(stalledAt).toBeLessThan(records);
    expect(await committedOffsets(groupId, topic)).toEqual([]);
    const during = await readCheckpoint(checkpointPath(dir));
    expect(during.ok && during.checkpoint !== null ? during.checkpoint.offsets : {}).toEqual({});

    connection = await connectStore(config);
    client = connection.client;
    await waitUntil('every record consumed', () => consumer.received() === records, 60_000);
    await consumer.stop();
    expect(writer.pending()).toBe(0);
    const stored = (await new ClickHouseStoreReader(client, tables).listFindings({}, 1_000, null)).items;
    expect(
      matchFindings(stored, scenarioLabels('stolen-key')).labels.every(
        (outcome) => outcome.findings.length > 0,
      ),
    ).toBe(true);
    const [hops] = await (
      await client.query({ query: `SELECT count() AS n FROM ${tables.hops} FINAL`, format: 'JSONEachRow' })
    ).json<{ n: string }>();
    const { engine } = consumer.pipeline.stats();
    expect(Number(hops?.n)).toBe(engine.eventsObserved - engine.duplicateHops);
    const committed = await committedOffsets(groupId, topic);
    expect(committed.reduce((sum, offset) => sum + offset, 0)).toBe(records);
    await writer.close();
    await client.close();
    await drainPending();
  });
});
