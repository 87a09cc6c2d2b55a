import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import { createDetectionEngine } from '../detectors/engine.js';
import type { HopwatchConfig } from '../schemas/config.js';
import type { Finding } from '../schemas/finding.js';
import { parseConfig } from '../schemas/load-config.js';
import { openStore } from '../store/index.js';
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
import { Pipeline } from './pipeline.js';
import type { RawRecord } from './source.js';

const logger = createLogger('silent');
const opened: Array<{ store: HopwatchStore; dir: string }> = [];

afterEach(async () => {
  for (const { store, dir } of opened.splice(0)) {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A pipeline over a real chDB store and the real engine, with a wall clock the test moves. */
async function setUp() {
  const dir = mkdtempSync(join(tmpdir(), 'hopwatch-pipeline-'));
  const parsed = parseConfig({ dataDir: dir });
  if (!parsed.ok) throw new Error(parsed.reason);
  const config: HopwatchConfig = parsed.config;
  const store = await openStore(config, logger);
  await store.migrate();
  opened.push({ store, dir });
  const clock = { wall: T0 + 3_600_000 };
  const alerted: Finding[] = [];
  const pipeline = new Pipeline(
    {
      createEngine: (sink) =>
        createDetectionEngine({ lineage: config.lineage, detectors: config.detectors }, sink, {
          now: () => clock.wall,
        }),
      writer: store.writer,
      alerts: { enqueue: (findings: Finding[]) => alerted.push(...findings) },
      now: () => clock.wall,
      logger,
    },
    { allowedLatenessMs: 10_000, idleAfterMs: 5_000, idleTickMs: 1_000 },
  );
  return { store, pipeline, clock, alerted };
}

const records = (lines: string[]): RawRecord[] =>
  lines.map((raw, index) => ({ raw, origin: { source: 'http', line: index + 1 } }));

const hopLines = (events: object[]) => events.map((event) => JSON.stringify(event));

async function storedFindings(store: HopwatchStore): Promise<Finding[]> {
  return (await store.reader.listFindings({}, 1000, null)).items;
}

describe('Pipeline', () => {
  it('decodes good records, keeps bad ones as dead letters, and counts both', async () => {
    const { store, pipeline } = await setUp();
    const bad = `{"broken": "Authorization: Bearer sk-live-${'a'.repeat(200)}"`;
    const outcome = await pipeline.submit(records([...hopLines(benignHops()), bad]));
    expect(outcome).toMatchObject({ accepted: 3, events: 3 });
    expect(outcome.rejects.map((reject) => reject.index)).toEqual([3]);
    await pipeline.durable();
    expect(await store.reader.stats()).toMatchObject({ hops: 3, deadLetters: 1 });
    const stats = pipeline.stats();
    expect(stats.recordsReceived).toEqual({ http: 4 });
    expect(stats.recordsRejected).toEqual({ http: 1 });
    expect(stats.eventsIngested).toEqual({ canonical: 3 });
  });

  it('raises findings once a later event moves the watermark past the attack windows', async () => {
    const { store, pipeline, alerted } = await setUp();
    await pipeline.submit(records(hopLines([...recursionHops(), ...fanoutHops(), watermarkHop()])));
    await pipeline.durable();
    const origins = (await storedFindings(store)).map((finding) => finding.originCredential);
    expect(origins).toContain(RECURSION_ORIGIN);
    expect(origins).toContain(FANOUT_ORIGIN);
    expect(alerted.map((finding) => finding.originCredential)).toEqual(expect.arrayContaining(origins));
  });

  it('lets wall time close the windows when input goes quiet', async () => {
    const { store, pipeline, clock } = await setUp();
    await pipeline.submit(records(hopLines(fanoutHops())));
    await pipeline.advanceIdle();
    await pipeline.durable();
    expect(await storedFindings(store)).toEqual([]);

    clock.wall += 5 * 60_000;
    await pipeline.advanceIdle();
    await pipeline.durable();
    const fanout = (await storedFindings(store)).filter((finding) => finding.detector === 'fanout');
    expect(fanout.map((finding) => finding.originCredential)).toContain(FANOUT_ORIGIN);
  });

  it('closes every open window at drain, so shutdown loses no finding', async () => {
    const { store, pipeline } = await setUp();
    await pipeline.submit(records(hopLines(fanoutHops())));
    await pipeline.durable();
    expect(await storedFindings(store)).toEqual([]);
    await pipeline.drain();
    expect((await storedFindings(store)).map((finding) => finding.originCredential)).toContain(FANOUT_ORIGIN);
  });
});
