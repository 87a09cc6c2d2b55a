import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { benignHops } from '../test/helpers/api-traffic.js';
import { EventTimeMerger, type WaitingRecord } from './kafka-merge.js';

const template = benignHops()[0]!;

/** A decoded record whose one event happened at `ts`, read from `partition` at `offset`. */
function waiting(partition: number, offset: number, ts: number): WaitingRecord {
  const message = {
    offset: String(offset),
    key: null,
    value: null,
    timestamp: '0',
    attributes: 0,
  } as KafkaMessage;
  const decoded = { ok: true as const, format: 'canonical', events: [{ ...template, ts }] };
  return {
    topic: 't',
    partition,
    message,
    decoded: { record: { raw: '', origin: { source: 'kafka' } }, decoded },
    deadLetterValue: null,
  };
}

const times = (records: WaitingRecord[]) =>
  records.map((record) => record.decoded.decoded.ok && record.decoded.decoded.events[0]!.ts);

describe('event-time alignment across partitions', () => {
  it('lets records of two partitions out in event-time order, no further than the one with more to come', () => {
    const merger = new EventTimeMerger(1_000);
    merger.assign({ t: [0, 1] }, 0);
    merger.add([waiting(0, 0, 10), waiting(0, 1, 30), waiting(0, 2, 50)], 't', 0, '10', 0);
    expect(merger.take(100, 10)).toEqual([]);
    merger.add([waiting(1, 0, 20), waiting(1, 1, 40)], 't', 1, '5', 10);
    expect(times(merger.take(100, 20))).toEqual([10, 20, 30, 40]);
  });

  it('lets the others run on past a partition that is caught up, or quiet for the idle time', () => {
    const merger = new EventTimeMerger(1_000);
    merger.assign({ t: [0, 1, 2] }, 0);
    merger.add([waiting(0, 0, 10), waiting(0, 1, 30)], 't', 0, '2', 0);
    merger.add([waiting(1, 0, 20)], 't', 1, '1', 0);
    expect(times(merger.take(100, 500))).toEqual([]);
    expect(times(merger.take(100, 1_000))).toEqual([10, 20, 30]);
  });

  it('drops what waits for a partition the member no longer holds', () => {
    const merger = new EventTimeMerger(1_000);
    merger.assign({ t: [0, 1] }, 0);
    merger.add([waiting(1, 0, 20)], 't', 1, '1', 0);
    merger.assign({ t: [0] }, 0);
    expect(merger.add([waiting(1, 1, 30)], 't', 1, '2', 0)).toBe(-1);
    expect(merger.waiting('t', 1)).toBe(0);
  });
});
