import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import { readLabels } from '../evaluation/labels.js';
import { matchFindings } from '../evaluation/match.js';
import { normalizeRecord } from '../ingest/normalize.js';
import { parseConfig } from '../pipeline/load-config.js';
import { MemorySink } from '../pipeline/sinks/memory.js';
import { openKafkaTarget } from '../scenarios/replay/kafka-target.js';
import { Pacer } from '../scenarios/replay/pacer.js';
import { openPipelineTarget } from '../scenarios/replay/pipeline-target.js';
import { type ReplayOptions, replayFiles } from '../scenarios/replay/replay.js';
import { openStore } from '../store/index.js';
import { testKafkaBrokers } from './kafka/test-brokers.js';

const fixture = (name: string) => `fixtures/scenarios/${name}.ndjson`;
const lines = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n');

function config(overrides: Record<string, unknown> = {}) {
  const parsed = parseConfig({ logLevel: 'silent', ...overrides });
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.config;
}

const atMaxSpeed = (): ReplayOptions => ({
  speed: 'max',
  rebaseTime: false,
  pacer: new Pacer('max', Date.now),
  now: Date.now,
  sleep: async () => {},
});

describe('replay to Kafka', () => {
  it('puts every record of a scenario on the input topic, each trace in one partition', async () => {
    const brokers = testKafkaBrokers();
    const topic = `hopwatch-replay-${randomUUID().slice(0, 8)}`;
    const kafka = new Kafka({ clientId: 'hopwatch-replay-test', brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    await admin.disconnect();

    // Canonical hops, one per record; and OTLP exports, some holding spans of several traces.
    const canonical = fixture('scope-creep');
    const otlp = fixture('agent-recursion');
    const opened = await openKafkaTarget(config({ kafka: { brokers } }).kafka, topic);
    if (!opened.ok) throw new Error(opened.reason);
    const summary = await replayFiles([canonical, otlp], opened.target, atMaxSpeed());
    await opened.target.close();

    const received: Array<{ key: string | null; value: string; partition: number }> = [];
    const consumer = kafka.consumer({ groupId: `${topic}-check`, maxWaitTimeInMs: 250 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        received.push({
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? '',
          partition,
        });
      },
    });
    const deadline = Date.now() + 20_000;
    while (received.length < summary.records && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    await consumer.disconnect();
    expect(received.length).toBe(summary.records);

    // A record of one trace goes as it is; an export of several goes as one per trace, keyed by it.
    const values = new Set(received.map((message) => message.value));
    expect(lines(canonical).every((line) => values.has(line))).toBe(true);
    expect(summary.records).toBeGreaterThan(lines(canonical).length + lines(otlp).length);
    const partitionsByTrace = new Map<string, Set<number>>();
    const hopIds: string[] = [];
    for (const message of received) {
      const decoded = normalizeRecord(message.value);
      if (!decoded.ok) throw new Error(decoded.reason);
      expect(new Set(decoded.events.map((event) => event.traceId))).toEqual(new Set([message.key]));
      for (const event of decoded.events) {
        hopIds.push(event.id);
        const partitions = partitionsByTrace.get(event.traceId!) ?? new Set();
        partitions.add(message.partition);
        partitionsByTrace.set(event.traceId!, partitions);
      }
    }
    expect(partitionsByTrace.size).toBeGreaterThan(10);
    for (const partitions of partitionsByTrace.values()) expect(partitions.size).toBe(1);
    // Every hop of both files, once.
    const fileHops = [canonical, otlp].flatMap((file) =>
      lines(file).flatMap((line) => {
        const decoded = normalizeRecord(line);
        return decoded.ok ? decoded.events.map((event) => event.id) : [];
      }),
    );
    expect(hopIds.sort()).toEqual(fileHops.sort());
  });

  it('says why when no broker is configured', async () => {
    const opened = await openKafkaTarget(config().kafka, 'hopwatch.access-logs');
    expect(opened).toEqual({ ok: false, reason: expect.stringContaining('KAFKA_BROKERS') });
  });
});

describe('replay into the in-process pipeline', () => {
  it('stores the labelled findings of a scenario and nothing else', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hopwatch-replay-'));
    const pipelineConfig = config({ dataDir });
    const memory = new MemorySink();
    const raised = memory.findings;
    const opened = await openPipelineTarget(pipelineConfig, createLogger('silent'), [memory]);
    if (!opened.ok) throw new Error(opened.reason);
    const file = fixture('runaway-retry');
    await replayFiles([file], opened.target, atMaxSpeed());
    await opened.target.close();

    const labels = readLabels(file.replace('.ndjson', '.labels.json'));
    if (!labels.ok) throw new Error(labels.reason);
    const match = matchFindings(raised, labels.labels);
    expect(match.labels.every((outcome) => outcome.findings.length > 0)).toBe(true);
    expect(match.falsePositives).toEqual([]);

    const store = await openStore(pipelineConfig, createLogger('silent'));
    try {
      const stored = await store.reader.listFindings({}, 100, null);
      expect(stored.items.map((finding) => finding.id).sort()).toEqual(
        raised.map((finding) => finding.id).sort(),
      );
    } finally {
      await store.close();
    }
  });
});
