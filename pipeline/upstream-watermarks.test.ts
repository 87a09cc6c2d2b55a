import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { normalizeRecord } from '../ingest/normalize.js';
import { readHop, watermarkMessages } from '../ingest/topic-messages.js';
import { UpstreamWatermarks, upstreamIdleMs } from './upstream-watermarks.js';

const skewMs = 10_000;
const idleMs = upstreamIdleMs(6_000);

function clocked() {
  const clock = { now: 1_000_000 };
  return { clock, upstreams: new UpstreamWatermarks(() => clock.now, skewMs, { idleMs }) };
}

/** The furthest watermark `take` has applied once the tags have come, in order (-Infinity: none). */
function reached(
  upstreams: UpstreamWatermarks,
  tags: Array<[string, number]>,
  from = Number.NEGATIVE_INFINITY,
) {
  let watermark = from;
  for (const [id, at] of tags)
    watermark = Math.max(watermark, upstreams.take({ id, watermark: at }) ?? watermark);
  return watermark;
}

describe('UpstreamWatermarks', () => {
  it('goes by the slowest ingest task, skew behind it, whatever the others have reached', () => {
    const { upstreams } = clocked();
    const first = reached(upstreams, [
      ['in/0', 100_000],
      ['in/1', 40_000],
      ['in/0', 500_000],
      ['in/0', 900_000],
    ]);
    // Nothing yet: a target is applied once the slowest moves past it.
    expect(first).toBe(Number.NEGATIVE_INFINITY);
    const next = reached(
      upstreams,
      [
        ['in/1', 60_000],
        ['in/0', 910_000],
        ['in/0', 920_000],
      ],
      first,
    );
    expect(next).toBe(40_000 - skewMs);
  });

  it('holds for a task that went silent (its partition moving after a crash) until idleMs, then goes on without it', () => {
    const { clock, upstreams } = clocked();
    let watermark = reached(upstreams, [
      ['in/0', 100_000],
      ['in/1', 100_000],
    ]);
    // in/1's instance crashed: in/0 goes on, marking each second; the detect stage waits for in/1.
    for (let second = 1; second < idleMs / 1000; second++) {
      clock.now += 1000;
      watermark = reached(upstreams, [['in/0', 100_000 + second * 40_000]], watermark);
    }
    expect(watermark).toBeLessThanOrEqual(100_000 - skewMs);
    clock.now += 2_000;
    watermark = reached(
      upstreams,
      [
        ['in/0', 2_001_000],
        ['in/0', 2_002_000],
      ],
      watermark,
    );
    expect(watermark).toBe(2_001_000 - skewMs);
  });

  it('waits for the tasks it expects before it has heard of them, for idleMs at most', () => {
    const clock = { now: 1_000_000 };
    const upstreams = new UpstreamWatermarks(() => clock.now, skewMs, { idleMs, expected: ['in/0', 'in/1'] });
    let watermark = reached(upstreams, [
      ['in/0', 100_000],
      ['in/0', 200_000],
    ]);
    expect(watermark).toBe(Number.NEGATIVE_INFINITY);
    // Its snapshot holds what it heard, not what it waits for.
    expect(upstreams.snapshot().latest).toEqual([['in/0', 200_000]]);
    clock.now += idleMs + 1_000;
    watermark = reached(upstreams, [
      ['in/0', 300_000],
      ['in/0', 400_000],
    ]);
    expect(watermark).toBe(300_000 - skewMs);
  });

  it('is restored with its tasks, which count again from the restore', () => {
    const { clock, upstreams } = clocked();
    reached(upstreams, [
      ['in/0', 100_000],
      ['in/1', 50_000],
      ['in/0', 200_000],
    ]);
    const restored = new UpstreamWatermarks(() => clock.now, skewMs, { idleMs });
    restored.restore(JSON.parse(JSON.stringify(upstreams.snapshot())));
    const watermark = reached(restored, [
      ['in/0', 300_000],
      ['in/0', 400_000],
    ]);
    expect(watermark).toBeLessThanOrEqual(50_000 - skewMs);
  });
});

describe('watermark marks on the hops topic', () => {
  it('go once to every partition, and read back as marks, not as hops or dead letters', () => {
    const tags = [
      { id: 'in/0', watermark: 1_753_430_000_000 },
      { id: 'in/1', watermark: 1_753_430_001_000 },
    ];
    const messages = watermarkMessages(tags, 3);
    expect(messages.map(({ partition }) => partition)).toEqual([0, 1, 2, 0, 1, 2]);
    for (const [index, message] of messages.entries()) {
      const tag = tags[Math.floor(index / 3)];
      const value = String(message.value);
      expect(readHop({ value: Buffer.from(value) } as KafkaMessage)).toEqual({ ok: true, mark: tag });
      const decoded = normalizeRecord(value, { format: 'resolved-hop' });
      expect(decoded).toEqual({ ok: true, format: 'resolved-hop', events: [], upstream: tag });
    }
    const bad = normalizeRecord('{"upstream":{"id":"in/0"}}', { format: 'resolved-hop' });
    expect(bad.ok).toBe(false);
  });
});
