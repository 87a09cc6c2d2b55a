import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import { decodeRecord } from '../ingest/decode.js';
import type { RawRecord } from '../ingest/source.js';
import type { Finding } from '../schemas/finding.js';
import type { HopEvent } from '../schemas/hop-event.js';
import type { HopwatchStore } from '../store/types.js';
import {
  benignHops,
  FANOUT_ORIGIN,
  fanoutHops,
  RECURSION_ORIGIN,
  recursionHops,
  T0,
  watermarkHop,
} from '../test/helpers/api-traffic.js';
import { assemble, type Pipeline } from './assemble.js';
import { parseConfig } from './load-config.js';
import { MemorySink } from './sinks/memory.js';

const logger = createLogger('silent');
const opened: Array<{ pipeline: Pipeline; dir: string }> = [];

afterEach(async () => {
  for (const { pipeline, dir } of opened.splice(0)) {
    await pipeline.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The wall clock when a test starts: the traffic is an hour old by then. */
const wallStart = T0 + 3_600_000;

async function closeLatest(): Promise<void> {
  const { pipeline, dir } = opened.pop()!;
  await pipeline.close();
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The HTTP source's lane of an assembled pipeline: a real chDB store as its sink, the real engine, a
 * memory sink standing in for the webhooks, and a wall clock the test moves.
 */
async function setUp() {
  const dir = mkdtempSync(join(tmpdir(), 'hopwatch-pipeline-'));
  const parsed = parseConfig({ dataDir: dir, sinks: ['store'], sources: ['http'] });
  if (!parsed.ok) throw new Error(parsed.reason);
  const clock = { wall: wallStart };
  const alerts = new MemorySink();
  const assembled = await assemble(parsed.config, { logger, extraSinks: [alerts], now: () => clock.wall });
  if (!assembled.ok) throw new Error(assembled.reason);
  const { pipeline } = assembled;
  opened.push({ pipeline, dir });
  const store: HopwatchStore = pipeline.store!;
  return { store, pipeline, lane: pipeline.lane('http'), clock, alerted: alerts.findings };
}

const records = (lines: string[]) =>
  lines.map((raw, index) => {
    const record: RawRecord = { raw, origin: { source: 'http', line: index + 1 } };
    return decodeRecord(record, wallStart, logger, {});
  });

const hopLines = (events: object[]) => events.map((event) => JSON.stringify(event));

async function storedFindings(store: HopwatchStore): Promise<Finding[]> {
  return (await store.reader.listFindings({}, 1000, null)).items;
}

describe('Lane', () => {
  it('decodes good records, keeps bad ones as dead letters, and counts both', async () => {
    const { store, pipeline, lane } = await setUp();
    const bad = `{"broken": "Authorization: Bearer sk-live-${'a'.repeat(200)}"`;
    const outcome = await lane.submit(records([...hopLines(benignHops()), bad]));
    expect(outcome).toMatchObject({ accepted: 3, events: 3 });
    expect(outcome.rejects.map((reject) => reject.index)).toEqual([3]);
    await lane.durable();
    expect(await store.reader.stats()).toMatchObject({ hops: 3, deadLetters: 1 });
    const stats = pipeline.stats();
    expect(stats.recordsReceived).toEqual({ http: 4 });
    expect(stats.recordsRejected).toEqual({ http: 1 });
    expect(stats.eventsIngested).toEqual({ canonical: 3 });
  });

  it('raises findings once a later event moves the watermark past the attack windows', async () => {
    const { store, lane, alerted } = await setUp();
    await lane.submit(records(hopLines([...recursionHops(), ...fanoutHops(), watermarkHop()])));
    await lane.durable();
    const origins = (await storedFindings(store)).map((finding) => finding.originCredential);
    expect(origins).toContain(RECURSION_ORIGIN);
    expect(origins).toContain(FANOUT_ORIGIN);
    expect(alerted.map((finding) => finding.originCredential)).toEqual(expect.arrayContaining(origins));
  });

  it('refuses a record stamped ahead of the clock that received it: the records after it stay on time', async () => {
    const judge = async (forged: boolean) => {
      const { store, pipeline, lane } = await setUp();
      // As a source decodes: with the lane's settings, at the wall time each batch arrives.
      const arriving = (events: HopEvent[], receivedAt: number) =>
        hopLines(events).map((raw, index) =>
          decodeRecord(
            { raw, origin: { source: 'http', line: index + 1 } },
            receivedAt,
            logger,
            lane.decoding,
          ),
        );
      const ahead = {
        ...watermarkHop(T0 + 4 * 60_000),
        id: 'ahead',
        spanId: 'ahead',
        traceId: 'clock-ahead',
      };
      if (forged) await lane.submit(arriving([ahead], T0));
      await lane.submit(arriving(fanoutHops(), T0 + 30_000));
      await lane.submit(arriving([watermarkHop()], T0 + 10 * 60_000));
      await lane.durable();
      const letters = (await store.reader.listDeadLetters({}, 10, null)).items;
      const findings = (await storedFindings(store)).map(({ id, rule }) => ({ id, rule }));
      const late = pipeline.stats().engine.lateEvents;
      await closeLatest(); // chDB holds one data directory a process
      return { findings, late, letters };
    };
    const clean = await judge(false);
    expect(clean.findings.map((finding) => finding.rule)).toContain('fanout_limit');
    const withAhead = await judge(true);
    expect(withAhead.letters.map((letter) => letter.reason)).toEqual([
      'canonical: start time is 4 min ahead of the clock that received it (detectors.maxFutureMs allows 1 min)',
    ]);
    expect(withAhead.late).toBe(0);
    expect(withAhead.findings).toEqual(clean.findings);
  });

  it('lets wall time close the windows when input goes quiet', async () => {
    const { store, lane, clock } = await setUp();
    await lane.submit(records(hopLines(fanoutHops())));
    await lane.advanceIdle();
    await lane.durable();
    expect(await storedFindings(store)).toEqual([]);

    clock.wall += 5 * 60_000;
    await lane.advanceIdle();
    await lane.durable();
    const fanout = (await storedFindings(store)).filter((finding) => finding.detector === 'fanout');
    expect(fanout.map((finding) => finding.originCredential)).toContain(FANOUT_ORIGIN);
  });

  it('closes every open window at drain, so shutdown loses no finding', async () => {
    const { store, lane } = await setUp();
    await lane.submit(records(hopLines(fanoutHops())));
    await lane.durable();
    expect(await storedFindings(store)).toEqual([]);
    await lane.drain();
    expect((await storedFindings(store)).map((finding) => finding.originCredential)).toContain(FANOUT_ORIGIN);
  });

  it('takes one checkpoint at a time: the periodic one and the one at shutdown never interleave', async () => {
    const { lane, pipeline } = await setUp();
    const dir = opened.at(-1)!.dir;
    await lane.submit(records(hopLines(benignHops())));
    const periodic = lane.checkpoint();
    await lane.submit(records(hopLines(fanoutHops())));
    await Promise.all([periodic, lane.checkpoint(true), lane.checkpoint(true)]);
    const journal = join(dir, 'http-journal');
    const { segment } = JSON.parse(readFileSync(join(journal, 'checkpoint.json'), 'utf8')) as {
      segment: number;
    };
    const segments = readdirSync(journal)
      .filter((name) => name.startsWith('segment-'))
      .map((name) => Number(/(\d+)/.exec(name)?.[1]));
    expect(segments).toEqual([segment]);
    expect(pipeline.stats().recordsReceived).toEqual({ http: 44 });
  });
});
