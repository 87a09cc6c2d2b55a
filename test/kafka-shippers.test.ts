import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  JsonLogsSerializer,
  ProtobufLogsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { deadLetterHeaders } from '../ingest/kafka-dead-letters.js';
import { normalizeRecord } from '../ingest/normalize.js';
import { assemble } from '../pipeline/assemble.js';
import type { HopwatchConfig } from '../pipeline/config.js';
import { detectFiles } from '../pipeline/detect.js';
import { MemorySink } from '../pipeline/sinks/memory.js';
import type { Finding } from '../schemas/finding.js';
import type { StoreWriter } from '../store/types.js';
import { assertBuilt, HOPWATCH_BIN } from './helpers/api-process.js';
import {
  consumeAll,
  freshTopic,
  kafkaClient,
  kafkaConfigFor,
  mergeScenarios,
  silent,
  startInProcess,
  tempDataDir,
  waitUntil,
} from './helpers/kafka-ingest.js';
import { accessLogRecords, unreadableLine } from './helpers/otel-logs.js';
import { agentSpans } from './helpers/otel-spans.js';
import { testKafkaBrokers } from './kafka/test-brokers.js';

/** Keeps nothing: these tests look at findings, which the in-process consumer also collects. */
const nullWriter: StoreWriter = {
  write: async () => undefined,
  flush: async () => undefined,
  flushVerdicts: async () => undefined,
  pending: () => 0,
  available: () => true,
  hopsPastRetention: () => 0,
};

type Message = { key: string | null; value: string };

/** Produces with librdkafka (Python confluent-kafka), as Fluent Bit, Vector or kcat would. */
function produceWithLibrdkafka(topic: string, messages: Message[], compression: string): void {
  const script = new URL('./kafka/librdkafka-produce.py', import.meta.url).pathname;
  const input = messages.map((message) => JSON.stringify(message)).join('\n');
  const run = spawnSync('python3', [script, testKafkaBrokers().join(','), topic, compression], {
    input,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`librdkafka producer failed: ${run.stderr || run.error}`);
}

/** The file's records keyed by their first trace id, as replay keys them. */
function keyedRecords(file: string): Message[] {
  return readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((value) => {
      const decoded = normalizeRecord(value);
      return { key: decoded.ok ? (decoded.events[0]?.traceId ?? null) : null, value };
    });
}

const sortedIds = (findings: Finding[]) => findings.map((finding) => finding.id).sort();

/** What `hopwatch detect` finds in the file: the reference every Kafka path must match. */
async function offlineIds(config: HopwatchConfig, file: string): Promise<string[]> {
  const memory = new MemorySink();
  const assembled = await assemble(
    { ...config, sinks: [], sources: [] },
    { logger: silent, extraSinks: [memory] },
  );
  if (!assembled.ok) throw new Error(assembled.reason);
  await detectFiles([file], assembled.pipeline.lane('file'), { logger: silent });
  return sortedIds(memory.findings);
}

/** Consumes the configured topic in process until `count` records were received, then stops it (drained). */
async function consumeRecords(config: HopwatchConfig, count: number, timeoutMs = 60_000) {
  const consumer = await startInProcess(config, nullWriter);
  try {
    await waitUntil(`${count} records consumed`, () => consumer.received() >= count, timeoutMs);
  } finally {
    await consumer.stop();
  }
  return consumer;
}

/** Consumes `topic` in process until `count` records were received; the findings once drained. */
async function consumedIds(config: HopwatchConfig, count: number, timeoutMs = 60_000): Promise<string[]> {
  const consumer = await consumeRecords(config, count, timeoutMs);
  expect(consumer.received()).toBe(count);
  return sortedIds(consumer.alerted);
}

/** Produces with kafkajs, as the OpenTelemetry Collector's kafka exporter would. */
async function produce(topic: string, messages: Array<{ key: string; value: Buffer }>): Promise<void> {
  const producer = kafkaClient().producer();
  await producer.connect();
  await producer.send({ topic, messages });
  await producer.disconnect();
}

const scenarios = ['stolen-key', 'agent-recursion', 'scope-creep'];

describe('Kafka records from a librdkafka producer', () => {
  const dir = tempDataDir('kafka-codecs');
  const merged = join(dir, 'merged.ndjson');
  mergeScenarios(scenarios, merged);
  const messages = keyedRecords(merged);

  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    it(`compressed with ${codec}, give the findings hopwatch detect gives on the same file`, async () => {
      const { topic, groupId } = await freshTopic(`codec-${codec}`, 3);
      const config = kafkaConfigFor(topic, groupId, tempDataDir(`codec-${codec}`));
      produceWithLibrdkafka(topic, messages, codec);
      const expected = await offlineIds(config, merged);
      expect(expected.length).toBeGreaterThan(0);
      expect(await consumedIds(config, messages.length)).toEqual(expected);
    });
  }

  it('on a topic the broker compresses with zstd, are read as well', async () => {
    const { topic, groupId } = await freshTopic('zstd-topic', 1);
    const admin = kafkaClient().admin();
    await admin.connect();
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: 2, name: topic, configEntries: [{ name: 'compression.type', value: 'zstd' }] }],
    });
    await admin.disconnect();
    const config = kafkaConfigFor(topic, groupId, tempDataDir('zstd-topic'));
    produceWithLibrdkafka(topic, messages, 'none');
    expect(await consumedIds(config, messages.length)).toEqual(await offlineIds(config, merged));
  });

  it('holding several newline-separated records (a shipper batch), are split into them, each judged alone', async () => {
    const { topic, groupId } = await freshTopic('ndjson-blob', 1);
    const config = kafkaConfigFor(topic, groupId, tempDataDir('ndjson-blob'));
    const lines = messages.slice(0, 3).map((message) => message.value);
    const blob = `${lines[0]}\n${lines[1]}\n{"not": "a hop"}\n${lines[2]}\n`;
    produceWithLibrdkafka(topic, [{ key: null, value: blob }], 'lz4');
    const consumer = await consumeRecords(config, 4);
    expect(consumer.pipeline.stats().recordsRejected).toEqual({ kafka: 1 });
    const [dead] = await consumeAll(`${topic}.dead-letter`, 1);
    expect(dead?.value).toBe('{"not": "a hop"}');
  });

  it('with a 2 MB record among them, dead-letter it once, cut, with its size and digest, and read on', async () => {
    const { topic, groupId } = await freshTopic('big-record', 1);
    const config = kafkaConfigFor(topic, groupId, tempDataDir('big-record'));
    const big = `{"padding": "${'x'.repeat(2_000_000)}"}`;
    const middle = Math.floor(messages.length / 2);
    const withBig = [...messages.slice(0, middle), { key: 'big', value: big }, ...messages.slice(middle)];
    produceWithLibrdkafka(topic, withBig, 'gzip');
    const consumer = await startInProcess(config, nullWriter);
    try {
      await waitUntil('every record consumed', () => consumer.received() >= withBig.length, 60_000);
      expect(consumer.pipeline.sources.every((source) => source.connected())).toBe(true);
    } finally {
      await consumer.stop();
    }
    expect(sortedIds(consumer.alerted)).toEqual(await offlineIds(config, merged));
    const dead = await consumeAll(`${topic}.dead-letter`, 1);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.headers[deadLetterHeaders.reason]).toContain('over kafka.maxRecordBytes');
    expect(dead[0]!.headers[deadLetterHeaders.originalBytes]).toBe(String(big.length));
    expect(dead[0]!.headers[deadLetterHeaders.originalSha256]).toBe(
      createHash('sha256').update(big).digest('hex'),
    );
    expect(dead[0]!.value!.length).toBe(config.kafka.deadLetterMaxBytes);
  });

  it('as a backlog of over 100,000 records on 6 partitions, read while the CPU is busy, give the offline findings', async () => {
    assertBuilt();
    const generated = tempDataDir('backlog-traffic');
    const generate = ['generate', '--scenario', 'all', '--seed', '11', '--format', 'canonical'];
    spawnSync(process.execPath, [
      HOPWATCH_BIN,
      ...generate,
      '--rate',
      '7',
      '--duration',
      '50m',
      '--out',
      generated,
    ]);
    const file = join(generated, 'backlog.ndjson');
    const timed = readdirSync(generated)
      .filter((name) => name.endsWith('.ndjson'))
      .flatMap((name) => readFileSync(join(generated, name), 'utf8').trimEnd().split('\n'))
      .map((line) => ({ line, ts: (JSON.parse(line) as { ts: number }).ts }))
      .sort((a, b) => a.ts - b.ts);
    writeFileSync(file, `${timed.map((entry) => entry.line).join('\n')}\n`);
    const backlog = keyedRecords(file);
    expect(backlog.length).toBeGreaterThan(100_000);
    const { topic, groupId } = await freshTopic('backlog', 6);
    const config = kafkaConfigFor(topic, groupId, tempDataDir('backlog'));
    produceWithLibrdkafka(topic, backlog, 'lz4');
    const expected = await offlineIds(config, file);
    // Another process keeps a core busy for as long as the backlog is read (bounded).
    const busy = spawn(process.execPath, [
      '-e',
      'const end = Date.now() + 120000; while (Date.now() < end);',
    ]);
    try {
      expect(await consumedIds(config, backlog.length, 150_000)).toEqual(expected);
    } finally {
      busy.kill('SIGKILL');
    }
  }, 300_000);
});

describe("OTLP trace exports in protobuf, as the OpenTelemetry Collector's kafka exporter writes them", () => {
  for (const format of ['otlp-proto', 'auto', undefined]) {
    it(`are read as OTLP on a topic ${format === undefined ? 'left to auto-detection' : `set to ${format}`}; a message that does not decode is a dead letter`, async () => {
      const { topic, groupId } = await freshTopic('otlp-proto', 1);
      const pinned = format === undefined ? {} : { formatByTopic: { [topic]: format } };
      const config = kafkaConfigFor(topic, groupId, tempDataDir('otlp-proto'), pinned);
      const exports = await Promise.all([0, 1, 2].map((index) => agentSpans(Date.now() + index)));
      await produce(topic, [
        ...exports.map((spans) => ({
          key: spans[0]!.spanContext().traceId,
          value: Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!),
        })),
        // Opens as an export does, then claims a message longer than the whole value.
        { key: 'garbage', value: Buffer.from([0x0a, 0xff, 0xff, 0x01, 0x80]) },
      ]);
      const consumer = await consumeRecords(config, 4);
      expect(consumer.pipeline.stats().eventsIngested).toEqual({ otlp: 9 });
      expect(consumer.pipeline.stats().recordsRejected).toEqual({ kafka: 1 });
      const [dead] = await consumeAll(`${topic}.dead-letter`, 1);
      expect(dead?.key).toBe('garbage');
      expect(dead?.headers[deadLetterHeaders.reason]).toMatch(/^not an OTLP ExportTraceServiceRequest: /);
    });
  }
});

describe("OTLP log exports, as the OpenTelemetry Collector's kafka exporter writes access logs", () => {
  for (const format of ['otlp-proto', undefined]) {
    it(`are read as their log records' lines: ${format === undefined ? 'protobuf and OTLP/JSON, detected' : `protobuf, on a topic set to ${format}`}`, async () => {
      const { topic, groupId } = await freshTopic('otlp-logs', 1);
      const pinned = format === undefined ? {} : { formatByTopic: { [topic]: format } };
      const config = kafkaConfigFor(topic, groupId, tempDataDir('otlp-logs'), pinned);
      const records = accessLogRecords();
      await produce(topic, [
        { key: 'proto', value: Buffer.from(ProtobufLogsSerializer.serializeRequest(records)!) },
        ...(format === undefined
          ? [{ key: 'json', value: Buffer.from(JsonLogsSerializer.serializeRequest(records)!) }]
          : []),
      ]);
      const exports = format === undefined ? 2 : 1;
      // Five log records an export: four Envoy access log lines and one line of no known format.
      const consumer = await consumeRecords(config, 5 * exports);
      expect(consumer.pipeline.stats().eventsIngested).toEqual({ envoy: 4 * exports });
      expect(consumer.pipeline.stats().recordsRejected).toEqual({ kafka: exports });
      const dead = await consumeAll(`${topic}.dead-letter`, exports);
      expect(dead.map((letter) => `${letter.key}: ${letter.value}`).sort()).toEqual(
        ['json', 'proto'].slice(2 - exports).map((key) => `${key}: ${unreadableLine}`),
      );
      expect(dead[0]?.headers[deadLetterHeaders.reason]).toBe('text line of no known format');
    });
  }
});
