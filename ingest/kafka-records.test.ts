import { readFileSync } from 'node:fs';
import type { KafkaMessage } from 'kafkajs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { messageRecords } from './kafka-records.js';

const samples = new URL('../fixtures/samples/', import.meta.url);
const [envoyLine, secondLine] = readFileSync(new URL('envoy-agents.ndjson', samples), 'utf8').split('\n');
const origin = { topic: 'gateway', partition: 2, offset: '41', format: undefined };
const limits = { maxRecordBytes: 1_000_000, deadLetterBytes: 1_000, decoding: {} };
const logger = pino({ level: 'silent' });
/** When the samples were logged. */
const receivedAt = Date.parse('2025-11-20T10:00:00Z');

const message = (text: string): KafkaMessage =>
  ({
    offset: origin.offset,
    key: null,
    value: Buffer.from(text),
    timestamp: '0',
    attributes: 0,
  }) as KafkaMessage;

describe('the records of a Kafka message', () => {
  it('a decoded record gives its text back from the message bytes, with where it came from', () => {
    const text = envoyLine!;
    const [record] = messageRecords(message(text), origin, limits, receivedAt, logger);
    expect(record?.decoded.decoded.ok).toBe(true);
    expect(record?.decoded.record.raw).toBe(text);
    expect(record?.decoded.record.origin).toEqual({
      source: 'kafka',
      topic: 'gateway',
      partition: 2,
      offset: '41',
    });
    expect(record?.bytes).toBe(Buffer.byteLength(text));
    expect(record?.deadLetterValue).toEqual(Buffer.from(text));
  });

  it('a record that did not decode keeps its text and reason', () => {
    const [record] = messageRecords(message('not a log line'), origin, limits, receivedAt, logger);
    expect(record?.decoded.decoded).toMatchObject({ ok: false, reason: 'text line of no known format' });
    expect(record?.decoded.record.raw).toBe('not a log line');
    expect(record?.bytes).toBe(14);
  });

  it('a message of several lines is one record per line, each sized and kept as its line', () => {
    const records = messageRecords(
      message(`${envoyLine}\n\n${secondLine}\n`),
      origin,
      limits,
      receivedAt,
      logger,
    );
    expect(records.map((record) => record.decoded.record.raw)).toEqual([envoyLine, secondLine]);
    expect(records.map((record) => record.bytes)).toEqual([envoyLine!.length, secondLine!.length]);
    expect(records.map((record) => record.decoded.record.origin.line)).toEqual([1, 2]);
  });

  it('an oversized message is one rejected record, counted at its whole size', () => {
    const text = 'x'.repeat(2_000);
    const [record] = messageRecords(
      message(text),
      origin,
      { ...limits, maxRecordBytes: 1_500 },
      receivedAt,
      logger,
    );
    expect(record?.decoded.decoded.ok).toBe(false);
    expect(record?.bytes).toBe(2_000);
    expect(record?.deadLetterValue).toHaveLength(1_000);
  });
});

describe('OTLP/JSON log exports in a Kafka message', () => {
  const exportOf = (lines: string[]) =>
    JSON.stringify({
      resourceLogs: [{ scopeLogs: [{ logRecords: lines.map((line) => ({ body: { stringValue: line } })) }] }],
    });

  it('are their log records, alone in a message or one per line of several, numbered in the message', () => {
    const alone = messageRecords(
      message(exportOf([envoyLine!, secondLine!])),
      origin,
      limits,
      receivedAt,
      logger,
    );
    const batched = messageRecords(
      message(`${exportOf([envoyLine!])}\n${exportOf([secondLine!, 'not a log line'])}\n`),
      origin,
      limits,
      receivedAt,
      logger,
    );
    expect(alone.map((record) => record.decoded.record.raw)).toEqual([envoyLine, secondLine]);
    expect(batched.map((record) => record.decoded.record.raw)).toEqual([
      envoyLine,
      secondLine,
      'not a log line',
    ]);
    expect(batched.map((record) => record.decoded.record.origin.line)).toEqual([1, 2, 3]);
    expect(batched.map((record) => record.decoded.decoded.ok)).toEqual([true, true, false]);
  });
});
