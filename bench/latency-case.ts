import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../common/logger.js';
import { decodeRecord } from '../ingest/decode.js';
import { normalizeRecord } from '../ingest/normalize.js';
import type { RawRecord } from '../ingest/source.js';
import { MemorySink } from '../pipeline/sinks/memory.js';
import { generateScenario } from '../scenarios/generate.js';
import { scenarios } from '../scenarios/registry.js';
import { connectStore } from '../store/connection.js';
import { ShiftableRecord } from './backlog.js';
import { benchConfig, benchPipeline } from './discard.js';
import { percentile, progress } from './measure.js';
import { type CaseResult, caseResult } from './results.js';
import { mixedRecords } from './traffic.js';

type TimedRecord = { record: ShiftableRecord; dueTs: number; events: number };

const tickMs = 20;
const pollMs = 100;
const silent = createLogger('silent');

/** One minute of every scenario at once (one seed: they overlap in event time), in delivery order. */
function minuteOfTraffic(
  seed: number,
  rate: number,
): { records: TimedRecord[]; start: number; events: number } {
  const runs = scenarios.map((scenario) => generateScenario(scenario, { seed, rate, durationMs: 60_000 }));
  const records: TimedRecord[] = [];
  let events = 0;
  for (const run of runs) {
    for (const { line } of mixedRecords(run)) {
      const normalized = normalizeRecord(line);
      if (!normalized.ok) throw new Error(`bench traffic rejected: ${normalized.reason}`);
      const dueTs = Math.max(...normalized.events.map((event) => event.ts + (event.durationMs ?? 0)));
      records.push({ record: new ShiftableRecord(line), dueTs, events: normalized.events.length });
      events += normalized.events.length;
    }
  }
  records.sort((a, b) => a.dueTs - b.dueTs);
  return { records, start: runs[0]!.start, events };
}

/**
 * Case 4: traffic paced in real time at `eventsPerSecond` (copies of one minute of every scenario,
 * with renamed traces, interleaved; event time = wall time) into the in-process pipeline and the chDB
 * store; for every finding, the delay from its detectedAt to the moment a query sees it in the store.
 */
export async function latencyCase(
  eventsPerSecond: number,
  seconds: number,
): Promise<{ results: CaseResult[]; note: string }> {
  const minute = minuteOfTraffic(5, 60);
  if (seconds > 60) throw new Error('the latency case paces at most one minute of traffic');
  const inWindow = minute.records
    .filter((timed) => timed.dueTs < minute.start + seconds * 1000)
    .reduce((sum, timed) => sum + timed.events, 0);
  const copies = Math.max(1, Math.round((eventsPerSecond * seconds) / inWindow));
  const dataDir = mkdtempSync(join(tmpdir(), 'hopwatch-bench-latency-'));
  const config = benchConfig({ dataDir });
  const memory = new MemorySink();
  const pipeline = await benchPipeline(config, ['store'], [memory]);
  const lane = pipeline.lane('bench');
  const { client } = await connectStore(config);
  const seenAt = new Map<string, number>();
  const wallStart = Date.now() + 500;
  const shiftMs = wallStart - minute.start;
  const wallEnd = wallStart + seconds * 1000;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const rows = await (
        await client.query({
          query: `SELECT id FROM ${config.store.database}.findings WHERE detectedAt >= fromUnixTimestamp64Milli({from:Int64})`,
          query_params: { from: wallStart - 60_000 },
          format: 'JSONEachRow',
        })
      ).json<{ id: string }>();
      const now = Date.now();
      for (const { id } of rows) if (!seenAt.has(id)) seenAt.set(id, now);
      await sleep(pollMs);
    }
  })();
  let next = 0;
  let sent = 0;
  while (Date.now() < wallEnd) {
    const now = Date.now();
    const batch: RawRecord[] = [];
    for (;;) {
      const timed = minute.records[Math.floor(next / copies)];
      if (timed === undefined || timed.dueTs + shiftMs > now) break;
      batch.push({ raw: timed.record.render((next % copies) + 1, shiftMs), origin: { source: 'kafka' } });
      sent += timed.events;
      next += 1;
    }
    if (batch.length > 0)
      await lane.submit(batch.map((record) => decodeRecord(record, now, silent, lane.decoding)));
    await sleep(tickMs);
  }
  progress(`latency: ${sent.toLocaleString('en-US')} events in ${seconds} s; waiting for the last findings`);
  await sleep(3_000);
  polling = false;
  await poller;
  await client.close();
  await pipeline.shutdown();
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
      name: `latency ${name} (detected → stored)`,
      value: percentile(afterDetection, fraction),
      unit: 'ms',
      higherIsBetter: false,
      target,
    });
  return {
    results: [row('p50', 0.5, null), row('p95', 0.95, null), row('p99', 0.99, 1_000)],
    note: `Latency: ${Math.round(rate).toLocaleString('en-US')} events/s for ${seconds} s (${copies} interleaved copies of one minute of all scenarios, mixed formats, event time = wall time) into the in-process pipeline and the chDB store (default writer batching: 2,000 rows or 1 s); ${afterDetection.length} of ${raised.size} findings seen by a query polling every ${pollMs} ms. "detected → stored" is the delay beyond the detector's own window (the window end plus allowedLatenessMs ${config.detectors.allowedLatenessMs} ms and lineage.graceMs ${config.lineage.graceMs} ms, which is when detectedAt is stamped). Through Kafka, findings are published at the source's checkpoints (kafka.checkpointIntervalMs, 5 s by default), which adds up to that interval.`,
  };
}
