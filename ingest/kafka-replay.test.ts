import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { waitingRecord as waiting } from '../test/helpers/waiting-records.js';
import { EventTimeMerger } from './kafka-merge.js';
import type { OrderEntry } from './kafka-order-log.js';
import type { MessageRecord } from './kafka-records.js';
import { OrderReplay } from './kafka-replay.js';

const where = (records: MessageRecord[] | null) =>
  records?.map((record) => `${record.partition}@${record.offset}`) ?? null;

/** A replay of `entries` and the JSON lines its logger wrote. */
function replayOf(entries: OrderEntry[]): { replay: OrderReplay; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { replay: new OrderReplay(entries, pino(sink)), lines };
}

const take = (...runs: Array<[partition: number, count: number]>): OrderEntry => ({
  kind: 'take',
  runs: runs.map(([partition, count]) => ({ topic: 't', partition, count })),
});

describe('following the order log of the last checkpoint', () => {
  it('takes the records and moves the watermark in the order logged, not in event-time order', () => {
    const merger = new EventTimeMerger();
    merger.assign({ t: [0, 1] });
    merger.add([waiting(0, 0, 10), waiting(0, 1, 20)], 't', 0, '2', 2n);
    merger.add([waiting(1, 0, 5)], 't', 1, '1', 1n);
    const { replay, lines } = replayOf([
      take([0, 1], [1, 1]),
      { kind: 'watermark', watermark: 99 },
      take([0, 1]),
    ]);
    expect(lines[0]).toMatchObject({ moves: 3 });
    const watermarks: number[] = [];
    const advance = (watermark: number) => watermarks.push(watermark);
    expect(where(replay.next(merger, advance))).toEqual(['0@0', '1@0']);
    expect(replay.next(merger, advance)).toEqual([]);
    expect(watermarks).toEqual([99]);
    expect(replay.active).toBe(true);
    expect(where(replay.next(merger, advance))).toEqual(['0@1']);
    expect(replay.active).toBe(false);
  });

  it('waits for records not fetched yet, and goes on once they are', () => {
    const merger = new EventTimeMerger();
    merger.assign({ t: [0] });
    merger.setBounds('t', 0, { start: 0n, end: 5n });
    const { replay } = replayOf([take([0, 2])]);
    merger.add([waiting(0, 0, 10)], 't', 0, '5', 1n);
    expect(replay.next(merger, () => {})).toBeNull();
    merger.add([waiting(0, 1, 20)], 't', 0, '5', 2n);
    expect(where(replay.next(merger, () => {}))).toEqual(['0@0', '0@1']);
  });

  it('gives up, saying why, when a partition it names has fewer records than it took', () => {
    const merger = new EventTimeMerger();
    merger.assign({ t: [0] });
    merger.add([waiting(0, 0, 10)], 't', 0, '1', 1n);
    const { replay, lines } = replayOf([take([0, 2])]);
    expect(replay.next(merger, () => {})).toEqual([]);
    expect(replay.active).toBe(false);
    expect(lines.at(-1)).toMatchObject({
      level: 40,
      reason: 'a partition it names has fewer records than it took',
      movesLeft: 1,
    });
  });

  it('gives up when this member no longer holds a partition it names, and only then', () => {
    const { replay, lines } = replayOf([take([0, 1]), take([1, 1])]);
    replay.keepIfHeld({ t: [0, 1, 2] });
    expect(replay.active).toBe(true);
    replay.keepIfHeld({ t: [0] });
    expect(replay.active).toBe(false);
    expect(lines.at(-1)).toMatchObject({ reason: 'this member no longer holds every partition it names' });
  });

  it('gives up when a partition it names moved on without this member, not for another partition', () => {
    const { replay, lines } = replayOf([take([0, 1])]);
    replay.partitionMovedOn('t', 1, 'another member took records of a partition it names');
    replay.partitionMovedOn('other', 0, 'another member took records of a partition it names');
    expect(replay.active).toBe(true);
    replay.partitionMovedOn('t', 0, 'another member took records of a partition it names');
    expect(replay.active).toBe(false);
    expect(lines.at(-1)).toMatchObject({ reason: 'another member took records of a partition it names' });
  });
});
