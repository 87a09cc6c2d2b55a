import { describe, expect, it } from 'vitest';
import { waitingRecord as waiting } from '../test/helpers/waiting-records.js';
import { EventTimeMerger } from './kafka-merge.js';
import type { MessageRecord } from './kafka-records.js';

const times = (records: MessageRecord[]) =>
  records.map((record) => record.decoded.decoded.ok && record.decoded.decoded.events[0]!.ts);

describe('event-time alignment across partitions', () => {
  it('lets records of two partitions out in event-time order, no further than the one with more to come', () => {
    const merger = new EventTimeMerger();
    merger.assign({ t: [0, 1] });
    merger.add([waiting(0, 0, 10), waiting(0, 1, 30), waiting(0, 2, 50)], 't', 0, '10', 3n);
    expect(merger.take(100)).toEqual([]);
    merger.add([waiting(1, 0, 20), waiting(1, 1, 40)], 't', 1, '5', 2n);
    expect(times(merger.take(100))).toEqual([10, 20, 30, 40]);
  });

  it('lets the others run on past a partition read to its end, an empty one, or one that starts at its end', () => {
    const merger = new EventTimeMerger();
    merger.assign({ t: [0, 1, 2, 3] });
    merger.add([waiting(0, 0, 10), waiting(0, 1, 30)], 't', 0, '2', 2n);
    merger.add([waiting(1, 0, 20)], 't', 1, '1', 1n);
    // Partition 2 is empty, partition 3 was committed up to its end: neither has anything to give.
    merger.setBounds('t', 2, { start: 0n, end: 0n });
    expect(times(merger.take(100))).toEqual([]);
    merger.setBounds('t', 3, { start: 7n, end: 7n });
    expect(times(merger.take(100))).toEqual([10, 20, 30]);
  });

  it('holds the others back behind a partition with records the broker has and the consumer has not fetched, however long that takes', () => {
    const merger = new EventTimeMerger();
    merger.assign({ t: [0, 1] });
    merger.setBounds('t', 1, { start: 0n, end: 500n });
    merger.add([waiting(0, 0, 10), waiting(0, 1, 30)], 't', 0, '2', 2n);
    expect(times(merger.take(100))).toEqual([]);
    merger.add([waiting(1, 0, 20)], 't', 1, '500', 1n);
    expect(times(merger.take(100))).toEqual([10, 20]);
  });

  it('counts a fetched batch as read when none of its records were kept, so a partition read to its end that way holds nobody back', () => {
    const merger = new EventTimeMerger();
    merger.assign({ t: [0, 1] });
    // Partition 1 was to be read from offset 2; its task then came from the changelog holding every record below 5.
    merger.setBounds('t', 1, { start: 2n });
    merger.add([waiting(0, 0, 10), waiting(0, 1, 30)], 't', 0, '2', 2n);
    merger.add([], 't', 1, '5', undefined);
    expect(times(merger.take(100))).toEqual([]);
    // Offsets 2 to 4 fetched and skipped: the engine has them.
    merger.add([], 't', 1, '5', 5n);
    expect(times(merger.take(100))).toEqual([10, 30]);
  });

  it('drops what waits for a partition the member no longer holds', () => {
    const merger = new EventTimeMerger();
    merger.assign({ t: [0, 1] });
    merger.add([waiting(1, 0, 20)], 't', 1, '1', 1n);
    merger.assign({ t: [0] });
    expect(merger.add([waiting(1, 1, 30)], 't', 1, '2', 2n)).toBe(-1);
    expect(merger.waiting('t', 1)).toBe(0);
  });
});

describe('following an order log', () => {
  it('takes so many records of each partition in the order given, not in event-time order', () => {
    const merger = new EventTimeMerger();
    merger.assign({ t: [0, 1] });
    merger.add([waiting(0, 0, 10), waiting(0, 1, 30)], 't', 0, '10', 2n);
    merger.add([waiting(1, 0, 20), waiting(1, 1, 40)], 't', 1, '10', 2n);
    const runs = [
      { topic: 't', partition: 1, count: 2 },
      { topic: 't', partition: 0, count: 1 },
    ];
    const taken = merger.takeRuns(runs);
    expect(taken !== 'waiting' && taken !== 'unavailable' && times(taken)).toEqual([20, 40, 10]);
    expect(merger.waiting('t', 0)).toBe(1);
  });

  it('waits for records not fetched yet, and says when a partition can no longer give them', () => {
    const merger = new EventTimeMerger();
    merger.assign({ t: [0, 1] });
    merger.add([waiting(0, 0, 10)], 't', 0, '2', 1n);
    expect(merger.takeRuns([{ topic: 't', partition: 0, count: 2 }])).toBe('waiting');
    merger.add([waiting(0, 1, 20)], 't', 0, '2', 2n);
    // Read to its end, partition 0 holds two records; the log says three.
    expect(merger.takeRuns([{ topic: 't', partition: 0, count: 3 }])).toBe('unavailable');
    expect(merger.takeRuns([{ topic: 't', partition: 7, count: 1 }])).toBe('unavailable');
    expect(merger.waiting('t', 0)).toBe(2);
  });
});
