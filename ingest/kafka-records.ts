import { createHash } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { type DecodedRecord, type DecodeSettings, decodeRecord } from './decode.js';
import type { RawRecord } from './source.js';

/** One record of a Kafka message, decoded, with the bytes a dead letter of it carries. */
export type MessageRecord = {
  decoded: DecodedRecord;
  /** The whole message when it is one record; the line, when the message held several. */
  deadLetterValue: Buffer | string | null;
  /** Set when the value had to be cut to fit the dead-letter topic. */
  original?: { bytes: number; sha256: string };
};

export type MessageOrigin = { topic: string; partition: number; offset: string; format: string | undefined };

/**
 * The records of one message: a message over `maxRecordBytes` is one rejected record, cut to
 * `deadLetterBytes` for the dead-letter topic (with its size and digest); a message of several
 * newline-separated records (shippers batch so) is split into them, each judged on its own.
 */
export function messageRecords(
  message: KafkaMessage,
  origin: MessageOrigin,
  limits: { maxRecordBytes: number; deadLetterBytes: number; decoding: DecodeSettings },
  receivedAt: number,
  logger: Logger,
): MessageRecord[] {
  const { topic, partition, offset, format } = origin;
  const value = message.value;
  const base = { source: 'kafka' as const, topic, partition, offset };
  if (value !== null && value.length > limits.maxRecordBytes) {
    const reason = `record of ${value.length} bytes is over kafka.maxRecordBytes (${limits.maxRecordBytes})`;
    const kept = value.subarray(0, limits.deadLetterBytes);
    const record: RawRecord = { raw: kept.toString('utf8'), format, origin: base };
    return [
      {
        decoded: { record, decoded: { ok: false, reason, format } },
        deadLetterValue: kept,
        original: { bytes: value.length, sha256: createHash('sha256').update(value).digest('hex') },
      },
    ];
  }
  const text = value?.toString('utf8') ?? '';
  const lines = text.includes('\n') ? text.split('\n').filter((line) => line.trim().length > 0) : [text];
  if (lines.length <= 1) {
    const record: RawRecord = { raw: lines[0] ?? text, format, origin: base };
    return [
      {
        decoded: decodeRecord(record, receivedAt, logger, {
          ...limits.decoding,
          maxRecordBytes: limits.maxRecordBytes,
        }),
        deadLetterValue: value,
      },
    ];
  }
  return lines.map((line, index) => {
    const record: RawRecord = { raw: line, format, origin: { ...base, line: index + 1 } };
    return {
      decoded: decodeRecord(record, receivedAt, logger, {
        ...limits.decoding,
        maxRecordBytes: limits.maxRecordBytes,
      }),
      deadLetterValue: line,
    };
  });
}
