import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalizeRecord } from '../ingest/normalize.js';
import { Pacer, parseSpeed } from '../scenarios/replay/pacer.js';
import { progressLine } from '../scenarios/replay/progress.js';
import { rebaseRecord } from '../scenarios/replay/rebase.js';
import type { ReplayRecord } from '../scenarios/replay/records.js';
import { type ReplayTarget, replayFiles } from '../scenarios/replay/replay.js';

/** A clock that only moves when replay sleeps: pacing is checked without waiting. */
function virtualClock(start: number) {
  const clock = { now: start, slept: 0 };
  return {
    clock,
    now: () => clock.now,
    sleep: async (ms: number) => {
      clock.now += ms;
      clock.slept += ms;
    },
  };
}

/** A target that keeps what it is sent, stamped with the (virtual) time it was sent at. */
function collectingTarget(now: () => number) {
  const sent: Array<ReplayRecord & { at: number }> = [];
  const target: ReplayTarget = {
    description: 'memory',
    send: async (records) => {
      for (const record of records) sent.push({ ...record, at: now() });
    },
    close: async () => [],
  };
  return { sent, target };
}

const eventTimes = (raw: string): number[] => {
  const result = normalizeRecord(raw, { now: Number.MAX_SAFE_INTEGER });
  if (!result.ok) throw new Error(result.reason);
  return result.events.map((event) => event.ts);
};

describe('replay pacing', () => {
  it('keeps the gaps between event times, divided by the speed', () => {
    const time = virtualClock(0);
    const pacer = new Pacer(10, time.now);
    expect(pacer.delayFor(50_000)).toBe(0);
    expect(pacer.delayFor(60_000)).toBe(1_000);
    time.clock.now = 400;
    expect(pacer.delayFor(60_000)).toBe(600);
    expect(pacer.delayFor(40_000)).toBe(0);
    expect(pacer.delayFor(undefined)).toBe(0);
    expect(new Pacer('max', time.now).delayFor(90_000)).toBe(0);
  });

  it('reads speeds', () => {
    expect([parseSpeed('1'), parseSpeed('10'), parseSpeed('2.5x'), parseSpeed('max')]).toEqual([
      1,
      10,
      2.5,
      'max',
    ]);
    expect([parseSpeed('0'), parseSpeed('fast')]).toEqual([undefined, undefined]);
  });

  it('replays a scenario at 60× in a sixtieth of its event time, each record no earlier than due', async () => {
    const file = 'fixtures/scenarios/scope-creep.ndjson';
    const time = virtualClock(1_000_000);
    const { sent, target } = collectingTarget(time.now);
    const summary = await replayFiles([file], target, {
      speed: 60,
      rebaseTime: false,
      pacer: new Pacer(60, time.now),
      now: time.now,
      sleep: time.sleep,
    });
    const starts = readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((raw) => Math.min(...eventTimes(raw)));
    const first = starts[0]!;
    expect(summary.records).toBe(starts.length);
    expect(time.clock.slept).toBeLessThanOrEqual((Math.max(...starts) - first) / 60);
    expect(time.clock.slept).toBeGreaterThan((Math.max(...starts) - first) / 60 - 5);
    sent.forEach((record, index) => {
      expect(record.at - 1_000_000).toBeGreaterThanOrEqual((starts[index]! - first) / 60 - 5);
    });
  });
});

describe('replay --rebase-time', () => {
  const firstRecord = (name: string) =>
    readFileSync(`fixtures/scenarios/${name}.ndjson`, 'utf8').split('\n')[0]!;

  for (const [name, format] of [
    ['stolen-key', 'canonical'],
    ['scope-creep', 'envoy'],
    ['sre-bot', 'kong'],
    ['code-assistant', 'otlp'],
  ] as const) {
    it(`moves every event time of a ${format} record by the same offset`, () => {
      const raw = firstRecord(name);
      const rebased = rebaseRecord(raw, format, 3_600_000);
      if (rebased === undefined) throw new Error('not rebased');
      expect(eventTimes(rebased)).toEqual(eventTimes(raw).map((ts) => ts + 3_600_000));
    });
  }

  it('leaves a format whose time fields it does not know alone', () => {
    const line = '[2016-04-15T20:17:00.310Z] "GET / HTTP/2" 200 - 0 10 1 - "-" "curl" "id" "example" "-"';
    expect(rebaseRecord(line, 'envoy', 1_000)).toBeUndefined();
  });

  const rebasedSet = ['sre-bot', 'scope-creep', 'new-destinations'].map(
    (name) => `fixtures/scenarios/${name}.ndjson`,
  );

  /** Each file's event times as sent, and as they are in the file. */
  async function rebasedReplay(speed: 'max' | number) {
    const time = virtualClock(Date.UTC(2026, 0, 1));
    const { sent, target } = collectingTarget(time.now);
    const started = time.clock.now;
    await replayFiles(rebasedSet, target, {
      speed,
      rebaseTime: true,
      pacer: new Pacer(speed, time.now),
      now: time.now,
      sleep: time.sleep,
    });
    const perFile = rebasedSet.map((file) => {
      const records = sent.filter((record) => record.file === file);
      return {
        sent: records.flatMap((record) => eventTimes(record.raw)),
        original: readFileSync(file, 'utf8').trimEnd().split('\n').flatMap(eventTimes),
      };
    });
    return { started, perFile };
  }

  it('at max speed, lays the files end to end ending now: nothing in the future, nothing late, own gaps kept', async () => {
    const { started, perFile } = await rebasedReplay('max');
    const all = perFile.flatMap((file) => file.sent);
    expect(Math.max(...all)).toBe(started);
    for (const [index, file] of perFile.entries()) {
      const shift = file.sent[0]! - file.original[0]!;
      expect(file.sent).toEqual(file.original.map((ts) => ts + shift));
      if (index > 0) expect(Math.min(...file.sent)).toBeGreaterThan(Math.max(...perFile[index - 1]!.sent));
    }
  });

  it('paced, starts the first file now and the next where the one before ended', async () => {
    const { started, perFile } = await rebasedReplay(1_000);
    expect(Math.min(...perFile[0]!.sent)).toBe(started);
    expect(Math.min(...perFile[1]!.sent)).toBe(Math.max(...perFile[0]!.sent) + 1);
  });
});

describe('replay progress', () => {
  it('reports count, share, rate and time left', () => {
    expect(progressLine(1_200, 4_000, 5_000)).toBe('replay: 1200/4000 records (30%), 240 rec/s, ETA 12 s');
  });
});
