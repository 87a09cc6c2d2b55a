import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { createLogger } from '../../common/logger.js';
import { readLabels, type ScenarioLabels } from '../../evaluation/labels.js';
import { findingMatches } from '../../evaluation/match.js';
import { normalizeRecord } from '../../ingest/normalize.js';
import { assemble, type Pipeline } from '../../pipeline/assemble.js';
import type { HopwatchConfig, HopwatchConfigInput } from '../../pipeline/config.js';
import { parseConfig } from '../../pipeline/load-config.js';
import type { Sink } from '../../pipeline/sink.js';
import { MemorySink } from '../../pipeline/sinks/memory.js';
import { openKafkaTarget } from '../../scenarios/replay/kafka-target.js';
import { Pacer, type Speed } from '../../scenarios/replay/pacer.js';
import { replayFiles } from '../../scenarios/replay/replay.js';
import type { Finding } from '../../schemas/finding.js';
import { connectStore } from '../../store/connection.js';
import type { StoreWriter } from '../../store/types.js';
import { testKafkaBrokers } from '../kafka/test-brokers.js';

export const silent = createLogger('silent');

export function kafkaClient(): Kafka {
  return new Kafka({
    clientId: 'hopwatch-kafka-test',
    brokers: testKafkaBrokers(),
    logLevel: logLevel.NOTHING,
  });
}

/** A topic and a group no other test uses, on a topic with `partitions` partitions. */
export async function freshTopic(what: string, partitions = 6): Promise<{ topic: string; groupId: string }> {
  const id = randomUUID().slice(0, 8);
  const topic = `hopwatch-${what}-${id}`;
  const admin = kafkaClient().admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  await admin.disconnect();
  return { topic, groupId: `hopwatch-${what}-${id}` };
}

export function testConfig(input: HopwatchConfigInput): HopwatchConfig {
  const parsed = parseConfig({ logLevel: 'silent', ...input });
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.config;
}

export function kafkaConfigFor(
  topic: string,
  groupId: string,
  dataDir: string,
  kafka: Record<string, unknown> = {},
  extra: HopwatchConfigInput = {},
) {
  return testConfig({
    dataDir,
    kafka: {
      brokers: testKafkaBrokers(),
      topics: [topic],
      groupId,
      deadLetterTopic: `${topic}.dead-letter`,
      findingsTopic: `${topic}.findings`,
      checkpointIntervalMs: 500,
      sessionTimeoutMs: 6_000,
      ...kafka,
    },
    ...extra,
  });
}

export const scenarioFile = (name: string): string => `fixtures/scenarios/${name}.ndjson`;

export function scenarioLabels(name: string): ScenarioLabels {
  const read = readLabels(`fixtures/scenarios/${name}.labels.json`);
  if (!read.ok) throw new Error(read.reason);
  return read.labels;
}

/**
 * The scenarios' records in one file, ordered by event time: one timeline on which all their attacks
 * happen (appended one after the other, the later files would arrive late).
 */
export function mergeScenarios(names: string[], file: string): ScenarioLabels {
  const timed: Array<{ ts: number; line: string }> = [];
  for (const name of names) {
    for (const line of readFileSync(scenarioFile(name), 'utf8').trimEnd().split('\n')) {
      const decoded = normalizeRecord(line);
      timed.push({ ts: decoded.ok ? (decoded.events[0]?.ts ?? 0) : 0, line });
    }
  }
  timed.sort((a, b) => a.ts - b.ts);
  writeFileSync(file, `${timed.map((entry) => entry.line).join('\n')}\n`);
  const labels = names.map(scenarioLabels);
  return { labels: labels.flatMap((entry) => entry.labels), benign: labels.flatMap((entry) => entry.benign) };
}

/**
 * Produces the files with `hopwatch replay --to kafka` (keyed by trace id), at full speed or at
 * `speed` times real time; returns the record count.
 */
export async function produceFiles(
  config: HopwatchConfig,
  topic: string,
  files: string[],
  speed: Speed = 'max',
): Promise<number> {
  const opened = await openKafkaTarget(config.kafka, topic);
  if (!opened.ok) throw new Error(opened.reason);
  const summary = await replayFiles(files, opened.target, {
    speed,
    rebaseTime: false,
    pacer: new Pacer(speed, Date.now),
    now: Date.now,
    sleep: (ms) => new Promise((done) => setTimeout(done, ms)),
  });
  await opened.target.close();
  return summary.records;
}

/** Labels with no matching finding among `findings`, as `detector/rule origin` strings. */
export function missedLabels(findings: Finding[], labels: ScenarioLabels): string[] {
  return labels.labels
    .filter((label) => !findings.some((finding) => findingMatches(finding, label)))
    .map((label) => `${label.detector}/${label.rule ?? '*'} ${label.originCredential}`);
}

/** Polls `condition` every 100 ms; on timeout names `what` (a function when it holds what was seen last). */
export async function waitUntil(
  what: string | (() => string),
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export type InProcessConsumer = {
  pipeline: Pipeline;
  lag: Map<string, number>;
  /** Records of each input topic that held hops of several traces. */
  severalTraces: Map<string, number>;
  /** Findings as the alerts sink would get them. */
  alerted: Finding[];
  /** Records the pipeline received from Kafka so far. */
  received(): number;
  /** Stops the source (final checkpoint), then drains its lane. */
  stop(): Promise<void>;
};

/** A sink over a store writer alone, for tests that route inserts through a store they stop and restart. */
function writerSink(writer: StoreWriter): Sink {
  return {
    name: 'store',
    start: () => {},
    write: (batch) => writer.write(batch),
    flush: () => writer.flush(),
    flushVerdicts: () => writer.flushVerdicts(),
    close: async () => {},
    stats: () => ({ pending: writer.pending(), available: writer.available() }),
  };
}

/** The pipeline `hopwatch run` assembles with the Kafka source, in this process, over `writer`. */
export async function startInProcess(
  config: HopwatchConfig,
  writer: StoreWriter,
): Promise<InProcessConsumer> {
  const alerts = new MemorySink();
  const assembled = await assemble(
    { ...config, sources: ['kafka'], sinks: [] },
    { logger: silent, extraSinks: [writerSink(writer), alerts] },
  );
  if (!assembled.ok) throw new Error(assembled.reason);
  const { pipeline } = assembled;
  const lag = new Map<string, number>();
  const severalTraces = new Map<string, number>();
  await pipeline.start({
    // The input topics' lag; the findings topic's is reported too, and is not what the tests wait on.
    reportLag: (topic, partition, value) => {
      if (config.kafka.topics.includes(topic)) lag.set(`${topic}/${partition}`, value);
    },
    reportFailure: () => {},
    reportSeveralTraces: (topic) => severalTraces.set(topic, (severalTraces.get(topic) ?? 0) + 1),
  });
  return {
    pipeline,
    lag,
    severalTraces,
    alerted: alerts.findings,
    received: () => pipeline.stats().recordsReceived.kafka ?? 0,
    stop: () => pipeline.drain(),
  };
}

export type ConsumedMessage = { key: string | null; value: string | null; headers: Record<string, string> };

/** The first `count` messages of `topic`, read by a fresh consumer group. */
export async function consumeAll(topic: string, count: number): Promise<ConsumedMessage[]> {
  const consumer = kafkaClient().consumer({
    groupId: `${topic}-check-${randomUUID().slice(0, 8)}`,
    maxWaitTimeInMs: 250,
  });
  const received: ConsumedMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(value);
      received.push({
        key: message.key?.toString() ?? null,
        value: message.value?.toString() ?? null,
        headers,
      });
    },
  });
  try {
    await waitUntil(`${count} messages on ${topic}`, () => received.length >= count);
  } finally {
    await consumer.disconnect();
  }
  return received;
}

/** Rows of one query on the store of `config`, through a second client on it. */
export async function queryRows<Row>(config: HopwatchConfig, query: string): Promise<Row[]> {
  const { client } = await connectStore(config);
  try {
    return await (await client.query({ query, format: 'JSONEachRow' })).json<Row>();
  } finally {
    await client.close();
  }
}

export const tempDataDir = (what: string): string => mkdtempSync(join(tmpdir(), `hopwatch-${what}-`));
