import type { MessageRecord } from '../../ingest/kafka-records.js';
import { benignHops } from './api-traffic.js';

const template = benignHops()[0]!;

/** A decoded record of topic `t` whose one event happened at `ts`, read from `partition` at `offset`. */
export function waitingRecord(partition: number, offset: number, ts: number): MessageRecord {
  const decoded = { ok: true as const, format: 'canonical', events: [{ ...template, ts }] };
  return {
    topic: 't',
    partition,
    offset: String(offset),
    key: null,
    decoded: { record: { raw: '', origin: { source: 'kafka' } }, decoded },
    deadLetterValue: null,
    bytes: 0,
    original: undefined,
  };
}
