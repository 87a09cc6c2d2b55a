import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { createLogger } from '../common/logger.js';
import { decodeRecord } from '../ingest/decode.js';
import { normalizeRecord } from '../ingest/normalize.js';
import type { RawRecord } from '../ingest/source.js';
import type { Pipeline } from '../pipeline/assemble.js';
import type { HopwatchConfig } from '../pipeline/config.js';
import { MemorySink } from '../pipeline/sinks/memory.js';
import { generateScenario } from '../scenarios/generate.js';
import { scenarios } from '../scenarios/registry.js';
import { connectStore } from '../store/connection.js';
import { ShiftableRecord } from './backlog.js';
import { childResult } from './child.js';
import { benchConfig, benchPipeline } from './discard.js';
import { percentile, progress } from './measure.js';
import { type CaseResult, caseResult } from './results.js';
import { mixedRecords } from './traffic.js';

type TimedRecord = { record: ShiftableRecord; dueTs: number; events: number };

const tickMs = 20;
const passMs = 60_000;
const warmUpBatch = 2_000;
/** What the pipeline and store take per history record on this machine, with room to spare. */
const warmUpMsPerRecord = { lane: 0.1, kafka: 0.2 };
const pollMs = 100;
const silent = createLogger('silent');

/**
 * One minute of every scenario at once (one seed: they overlap in event time), in delivery order:
 * the history the scenarios' baselines need (due before the minute starts), then the minute itself.
 */
function minuteOfTraffic(
  seed: number,
  rate: number,
): { history: TimedRecord[]; live: TimedRecord[]; start: number } {
  const runs = scenarios.map((scenario) => generateScenario(scenario, { seed, rate, durationMs: passMs }));
  const records: TimedRecord[] = [];
  for (const run of runs) {
    for (const { line } of mixedRecords(run)) {
      const normalized = normalizeRecord(line);
      if (!normalized.ok) throw new Error(`bench traffic rejected: ${normalized.reason}`);
      const dueTs = Math.max(...normalized.events.map((event) => event.ts + (event.durationMs ?? 0)));
      records.push({ record: new ShiftableRecord(line), dueTs, events: normalized.events.length });
    }
  }
  records.sort((a, b) => a.dueTs - b.dueTs);
  const start = runs[0]!.start;
  return {
    history: records.filter((timed) => timed.dueTs <= start),
    // Scenarios run on past their first minute (slow tails): only the minute itself is played, pass after pass.
    live: records.filter((timed) => timed.dueTs > start && timed.dueTs <= start + passMs),
    start,
  };
}

/** How the case's records reach the pipeline: handed to a lane as HTTP ingest does, or produced to a topic hopwatch consumes. */
type Transport = {
  pipeline: Pipeline;
  send(records: RawRecord[]): Promise<void>;
  /** Resolves once everything sent is in the engine. */
  settle(): Promise<void>;
  close(): Promise<void>;
};

async function laneTransport(config: HopwatchConfig, memory: MemorySink): Promise<Transport> {
  const pipeline = await benchPipeline(config, ['store'], [memory]);
  const lane = pipeline.lane('bench');
  return {
    pipeline,
    send: async (records) => {
      await lane.submit(records.map((record) => decodeRecord(record, Date.now(), silent, lane.decoding)));
    },
    settle: async () => {},
    close: async () => {},
  };
}

/** A six-partition topic consumed by the pipeline's Kafka source (default settings). */
async function kafkaTransport(
  config: HopwatchConfig,
  memory: MemorySink,
  brokers: string[],
): Promise<Transport> {
  const topic = `hopwatch-bench-latency-${randomUUID().slice(0, 8)}`;
  const kafka = new Kafka({ clientId: 'hopwatch-bench', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true });
  const producer = kafka.producer();
  await producer.connect();
  const kafkaConfig = {
    ...config.kafka,
    brokers,
    topics: [topic],
    groupId: topic,
    deadLetterTopic: `${topic}.dead`,
    findingsTopic: `${topic}.findings`,
  };
  const pipeline = await benchPipeline({ ...config, kafka: kafkaConfig }, ['store'], [memory], ['kafka']);
  await pipeline.start();
  let sent = 0;
  return {
    pipeline,
    send: async (records) => {
      // Produce requests stay under the broker's message size limit.
      for (let from = 0; from < records.length; from += 200) {
        const messages = records.slice(from, from + 200).map((record) => ({ value: record.raw }));
        await producer.send({ topic, messages });
      }
      sent += records.length;
    },
    settle: async () => {
      while ((pipeline.stats().recordsReceived.kafka ?? 0) < sent) await sleep(50);
    },
    close: async () => {
      await producer.disconnect();
      await admin
        .deleteTopics({ topics: [topic, `${topic}.dead`, `${topic}.findings`] })
        .catch(() => undefined);
      await admin.disconnect();
    },
  };
}

/**
 * Case 4: traffic paced in real time at `eventsPerSecond` (copies of one minute of every scenario,
 * with renamed traces, interleaved, the minute played again — renamed, a minute later — as often as
 * `seconds` needs; event time = wall time) into the in-process pipeline and the chDB store; for every
 * finding raised while the traffic flows, the delay from its detectedAt to the moment a query sees it
 * in the store. The scenarios' history is fed before the clock starts, in batches, and its findings
 * are not counted: a minute's windows close while the next minute flows.
 */
export async function latencyCase(
  eventsPerSecond: number,
  seconds: number,
  kafkaBrokers?: string[],
): Promise<{ results: CaseResult[]; note: string }> {
  const minute = minuteOfTraffic(5, 60);
  const inPass = minute.live.reduce((sum, timed) => sum + timed.events, 0);
  const copies = Math.max(1, Math.round((eventsPerSecond * passMs) / 1000 / inPass));
  const dataDir = mkdtempSync(join(tmpdir(), 'hopwatch-bench-latency-'));
  const config = benchConfig({ dataDir });
  const memory = new MemorySink();
  const via = kafkaBrokers === undefined ? 'lane' : 'kafka';
  const transport =
    kafkaBrokers === undefined
      ? await laneTransport(config, memory)
      : await kafkaTransport(config, memory, kafkaBrokers);
  const { pipeline } = transport;
  const { client } = await connectStore(config);
  const seenAt = new Map<string, number>();
  const warmUp = minute.history.length * copies;
  const wallStart = Date.now() + 2_000 + Math.round(warmUp * warmUpMsPerRecord[via]);
  const shiftMs = wallStart - minute.start;
  const wallEnd = wallStart + seconds * 1000;
  const history = (index: number): RawRecord => ({
    raw: minute.history[Math.floor(index / copies)]!.record.render((index % copies) + 1, shiftMs),
    origin: { source: 'kafka' },
  });
  for (let from = 0; from < warmUp; from += warmUpBatch) {
    const indexes = Array.from(
      { length: Math.min(warmUpBatch, warmUp - from) },
      (_, offset) => from + offset,
    );
    await transport.send(indexes.map(history));
  }
  await transport.settle();
  if (Date.now() > wallStart)
    progress(`latency: the warm-up overran the clock by ${Date.now() - wallStart} ms`);
  await sleep(Math.max(0, wallStart - Date.now()));
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const rows = await (
        await client.query({
          query: `SELECT id FROM ${config.store.database}.findings WHERE detectedAt >= fromUnixTimestamp64Milli({from:Int64})`,
          query_params: { from: wallStart },
          format: 'JSONEachRow',
        })
      ).json<{ id: string }>();
      const now = Date.now();
      for (const { id } of rows) if (!seenAt.has(id)) seenAt.set(id, now);
      await sleep(pollMs);
    }
  })();
  /** The index-th record sent live: pass after pass of the minute, each record `copies` times. */
  const live = (index: number): { timed: TimedRecord; dueTs: number; raw: RawRecord } => {
    const pass = Math.floor(index / (minute.live.length * copies));
    const within = index % (minute.live.length * copies);
    const timed = minute.live[Math.floor(within / copies)]!;
    const copy = pass * copies + (within % copies) + 1;
    const raw = {
      raw: timed.record.render(copy, shiftMs + pass * passMs),
      origin: { source: 'kafka' as const },
    };
    return { timed, dueTs: timed.dueTs + shiftMs + pass * passMs, raw };
  };
  let next = 0;
  let sent = 0;
  let upcoming = live(next);
  while (Date.now() < wallEnd) {
    const now = Date.now();
    const batch: RawRecord[] = [];
    while (upcoming.dueTs <= now) {
      batch.push(upcoming.raw);
      sent += upcoming.timed.events;
      next += 1;
      upcoming = live(next);
    }
    if (batch.length > 0) await transport.send(batch);
    await sleep(tickMs);
  }
  progress(`latency: ${sent.toLocaleString('en-US')} events in ${seconds} s; waiting for the last findings`);
  await sleep(3_000);
  polling = false;
  await poller;
  await client.close();
  await pipeline.shutdown();
  await transport.close();
  const raised = new Map(memory.findings.map((finding) => [finding.id, finding]));
  rmSync(dataDir, { recursive: true, force: true });
  const afterDetection: number[] = [];
  for (const [id, finding] of raised) {
    const seen = seenAt.get(id);
    if (seen === undefined) continue;
    afterDetection.push(seen - finding.detectedAt);
  }
  afterDetection.sort((a, b) => a - b);
  const rate = sent / seconds;
  const row = (name: string, fraction: number, target: number | null) =>
    caseResult({
      name: `latency ${name}${via === 'kafka' ? ' through Kafka' : ''} (detected → stored)`,
      value: percentile(afterDetection, fraction),
      unit: 'ms',
      higherIsBetter: false,
      target,
    });
  return {
    results: [
      row('p50', 0.5, null),
      row('p95', 0.95, null),
      row('p99', 0.99, via === 'kafka' ? 2_000 : 1_000),
    ],
    note: `Latency${via === 'kafka' ? ' through Kafka' : ''}: ${Math.round(rate).toLocaleString('en-US')} events/s for ${seconds} s (${copies} interleaved copies of one minute of all scenarios, played ${Math.ceil(seconds / 60)} time(s), mixed formats, event time = wall time; the scenarios' history, ${warmUp.toLocaleString('en-US')} records, fed before the clock started) ${via === 'kafka' ? 'produced to a six-partition topic that the pipeline consumes (Kafka source, default settings)' : 'into the in-process pipeline'} and the chDB store (default writer batching: 2,000 rows or 1 s); ${afterDetection.length} of ${raised.size} findings seen by a query polling every ${pollMs} ms. "detected → stored" is the delay beyond the detector's own window (the window end plus allowedLatenessMs ${config.detectors.allowedLatenessMs} ms and lineage.graceMs ${config.lineage.graceMs} ms, which is when detectedAt is stamped).`,
  };
}

/** `latencyCase` in a child process started as users start hopwatch (latency-child.ts); its progress is passed on. */
export function latencyCaseAlone(
  eventsPerSecond: number,
  seconds: number,
  kafkaBrokers?: string[],
): Promise<{ results: CaseResult[]; note: string }> {
  const brokers = kafkaBrokers === undefined ? [] : [kafkaBrokers.join(',')];
  return childResult(new URL('./latency-child.js', import.meta.url), [
    String(eventsPerSecond),
    String(seconds),
    ...brokers,
  ]);
}
