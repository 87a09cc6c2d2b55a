import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { drainPending } from 'chdb';
import type { Admin } from 'kafkajs';
import type { Finding } from '../../schemas/finding.js';
import type { Incident } from '../../schemas/incident.js';
import { openStore } from '../../store/index.js';
import { testKafkaBrokers } from '../kafka/test-brokers.js';
import {
  freePort,
  type HopwatchProcess,
  metricTotal,
  spawnHopwatch,
  waitUntilHealthy,
} from './api-process.js';
import { kafkaClient, queryRows, silent, testConfig, waitUntil } from './kafka-ingest.js';

/** Writes a hopwatch.yaml (JSON is YAML) into `dir` and returns its path. */
export function writeConfigFile(dir: string, config: Record<string, unknown>): string {
  const file = join(dir, 'hopwatch.yaml');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/**
 * hopwatch.yaml for one Kafka instance of a test: the topic with dead-letter, findings and hops topics
 * of its own, the group, a short session timeout, replayed history kept in the store; `kafka` adds to
 * the kafka section, `sections` to the rest.
 */
export function kafkaRunConfig(
  dir: string,
  topic: string,
  groupId: string,
  kafka: Record<string, unknown> = {},
  sections: Record<string, unknown> = {},
): string {
  return writeConfigFile(dir, {
    kafka: {
      topics: [topic],
      groupId,
      deadLetterTopic: `${topic}.dead-letter`,
      findingsTopic: `${topic}.findings`,
      hopsTopic: `${topic}.hops`,
      sessionTimeoutMs: 6_000,
      ...kafka,
    },
    store: { hopsTtlDays: 3_650 },
    ...sections,
  });
}

/** A webhook to the test receiver: every severity, quick retries, the test secret. */
export function testWebhook(name: string, url: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    url,
    secretEnv: 'HOPWATCH_TEST_WEBHOOK_SECRET',
    minSeverity: 'low',
    backoffBaseMs: 50,
    backoffMaxMs: 200,
    ...extra,
  };
}

export type RunningHopwatch = { process: HopwatchProcess; baseUrl: string };

/** `hopwatch run -c <configFile>` on `dataDir` with the test broker, once /readyz says its consumer joined the group. */
export async function startHopwatchRun(
  configFile: string,
  dataDir: string,
  env: Record<string, string> = {},
): Promise<RunningHopwatch> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const process = spawnHopwatch(['run', '-c', configFile], {
    HOPWATCH_PORT: String(port),
    HOPWATCH_DATA_DIR: dataDir,
    HOPWATCH_LOG_LEVEL: 'info',
    KAFKA_BROKERS: testKafkaBrokers().join(','),
    ...env,
  });
  await waitUntilHealthy(process, baseUrl);
  await waitUntil('/readyz', async () => (await fetch(`${baseUrl}/readyz`)).status === 200, 60_000);
  return { process, baseUrl };
}

/** A series of the process's /metrics (see metricTotal). */
export function metricValue({ baseUrl }: RunningHopwatch, series: string): Promise<number> {
  return metricTotal(baseUrl, series);
}

/** hopwatch_consumer_lag by partition, as the process exports it. */
export async function consumerLag({ baseUrl }: RunningHopwatch): Promise<Record<string, number>> {
  const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
  const lag: Record<string, number> = {};
  for (const line of metrics.split('\n')) {
    const sample = /^hopwatch_consumer_lag\{.*partition="(\d+)".*\} (\d+)$/.exec(line);
    if (sample !== null) lag[sample[1]!] = Number(sample[2]);
  }
  return lag;
}

/** Records the process took from Kafka (its own count since it started). */
export function kafkaRecordsReceived(instance: RunningHopwatch): Promise<number> {
  return metricValue(instance, 'hopwatch_records_received_total{source="kafka"}');
}

/** The latest partition assignment the process logged. */
export function latestAssignment({ process }: RunningHopwatch): Record<string, number[]> | null {
  const joins = process
    .stderr()
    .split('\n')
    .filter((line) => line.includes('joined the Kafka consumer group'));
  const last = joins[joins.length - 1];
  return last === undefined
    ? null
    : (JSON.parse(last) as { assignment: Record<string, number[]> }).assignment;
}

export async function stopGracefully({ process }: RunningHopwatch): Promise<number | null> {
  process.child.kill('SIGTERM');
  return process.exited;
}

async function withAdmin<T>(use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

/** The group's committed offset on each of `topic`'s partitions (-1: none). */
function committedOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
  return withAdmin(async (admin) => {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((offsets?.partitions ?? []).map(({ partition, offset }) => [partition, Number(offset)]));
  });
}

/** Sum of the group's committed offsets on `topic` (partitions without one count 0). */
export async function committedTotal(groupId: string, topic: string): Promise<number> {
  let sum = 0;
  for (const offset of (await committedOffsets(groupId, topic)).values()) sum += Math.max(0, offset);
  return sum;
}

/** The end of each of `topic`'s partitions. */
export function partitionEnds(topic: string): Promise<Map<number, number>> {
  return withAdmin(async (admin) => {
    const ends = await admin.fetchTopicOffsets(topic);
    return new Map(ends.map(({ partition, high }) => [partition, Number(high)]));
  });
}

/** Whether `groupId` has committed `topic` up to `ends` (partitionEnds) on every partition. */
export async function committedPast(
  groupId: string,
  topic: string,
  ends: Map<number, number>,
): Promise<boolean> {
  const committed = await committedOffsets(groupId, topic);
  return [...ends].every(([partition, end]) => end === 0 || (committed.get(partition) ?? -1) >= end);
}

/** Sum of `topic`'s partition ends: the records it holds. */
export async function topicEnd(topic: string): Promise<number> {
  let sum = 0;
  for (const end of (await partitionEnds(topic)).values()) sum += end;
  return sum;
}

export type StoredFindings = { final: Finding[]; rowsPerId: Map<string, number>; incidents: Incident[] };

/** The findings (deduplicated, and physical rows per id) and incidents in the embedded store of a stopped hopwatch. */
export async function storedFindings(dataDir: string): Promise<StoredFindings> {
  const config = testConfig({ dataDir });
  const store = await openStore(config, silent);
  try {
    const final = (await store.reader.listFindings({}, 1_000, null)).items;
    const rows = await queryRows<{ id: string; n: string }>(
      config,
      `SELECT id, count() AS n FROM ${config.store.database}.findings GROUP BY id`,
    );
    const incidents = (await store.reader.listIncidents({}, 1_000, null)).items;
    return { final, rowsPerId: new Map(rows.map((row) => [row.id, Number(row.n)])), incidents };
  } finally {
    await store.close();
    await drainPending();
  }
}
