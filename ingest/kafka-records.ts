import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { otlpProtoFormat } from './config.js';
import { type DecodedRecord, type DecodeSettings, decodeRecord } from './decode.js';
import { nonBlankLines } from './lines.js';
import { autoFormat } from './normalize.js';
import { type LogLine, otlpLogLines, otlpLogLinesOfText, withLogRecords } from './otlp-logs.js';
import { otlpLogsFromProtobuf, otlpSignalOf, otlpTracesFromProtobuf } from './otlp-protobuf.js';
import type { RawRecord, RecordOrigin } from './source.js';

/**
 * One record of a Kafka message, decoded, with the bytes a dead letter of it carries, where its message
 * came from and its key (for a dead letter): what waits in the event-time merge.
 */
export type MessageRecord = {
  decoded: DecodedRecord;
  /** The whole message when it is one record; the line, when the message held several. */
  deadLetterValue: Buffer | string | null;
  /** The record's size as read: the message's bytes, or the line's characters. */
  bytes: number;
  /** Set when the value had to be cut to fit the dead-letter topic. */
  original: { bytes: number; sha256: string } | undefined;
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
};

/**
 * A decoded record waits in the event-time merge for a second or more, long enough to be promoted
 * to the old generation and die there: it holds its text only as the message's bytes (which a dead
 * letter carries anyway), and a dead letter that needs the text decodes them again.
 */
class MessageText implements RawRecord {
  constructor(
    private readonly value: Buffer,
    readonly format: string | undefined,
    readonly origin: RecordOrigin,
  ) {}

  get raw(): string {
    return this.value.toString('utf8');
  }
}

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
  // Written out, not spread: adding a key to a spread copy costs V8 about half a microsecond.
  const decoding: DecodeSettings = {
    callerHint: limits.decoding.callerHint,
    maxRecordBytes: limits.maxRecordBytes,
    maxFutureMs: limits.decoding.maxFutureMs,
  };
  if (value !== null && value.length > limits.maxRecordBytes) {
    const reason = `record of ${value.length} bytes is over kafka.maxRecordBytes (${limits.maxRecordBytes})`;
    const kept = value.subarray(0, limits.deadLetterBytes);
    const raw = isOtlpProtobuf(value, format) ? protobufNotKept(value) : kept.toString('utf8');
    const record: RawRecord = { raw, format, origin: base };
    const sha256 = createHash('sha256').update(value).digest('hex');
    const rejected: DecodedRecord = { record, decoded: { ok: false, reason, format } };
    return [messageRecord(origin, message, rejected, kept, value.length, { bytes: value.length, sha256 })];
  }
  if (value !== null && isOtlpProtobuf(value, format)) {
    if (otlpSignalOf(value) === 'traces') {
      const decoded = otlpExport(value, base, receivedAt, logger, decoding);
      return [messageRecord(origin, message, decoded, value, value.length)];
    }
    const lines = protobufLogLines(value);
    if (typeof lines === 'string') {
      const record: RawRecord = { raw: protobufNotKept(value), format, origin: base };
      const rejected: DecodedRecord = { record, decoded: { ok: false, reason: lines, format } };
      return [messageRecord(origin, message, rejected, value, value.length)];
    }
    return lineRecords(lines, undefined, origin, message, receivedAt, logger, decoding);
  }
  const text = value?.toString('utf8') ?? '';
  const logLines = otlpLogLinesOfText(text);
  if (logLines !== undefined)
    return lineRecords(logLines, linesFormat(format), origin, message, receivedAt, logger, decoding);
  const lines = text.includes('\n') ? nonBlankLines(text) : [text];
  if (lines.length <= 1) {
    const record: RawRecord = { raw: lines[0] ?? text, format, origin: base, traceId: undefined };
    const decoded = decodeRecord(record, receivedAt, logger, decoding);
    if (decoded.decoded.ok && value !== null && lines[0] === text)
      decoded.record = new MessageText(value, format, base);
    return [messageRecord(origin, message, decoded, value, value?.length ?? 0)];
  }
  // A line may itself be an OTLP/JSON log export (a shipper batching the Collector's file output).
  const records = withLogRecords(
    lines.map((line): LogLine => ({ text: line, traceId: undefined })),
    ({ text }) => text,
    (_, logLine) => logLine,
  );
  return lineRecords(records, format, origin, message, receivedAt, logger, decoding);
}

/** The records of a message that holds several (lines, or an OTLP log export's log records), numbered from 1. */
function lineRecords(
  lines: readonly LogLine[],
  format: string | undefined,
  origin: MessageOrigin,
  message: KafkaMessage,
  receivedAt: number,
  logger: Logger,
  decoding: DecodeSettings,
): MessageRecord[] {
  const { topic, partition, offset } = origin;
  return lines.map(({ text, traceId }, index) => {
    const record: RawRecord = {
      raw: text,
      format,
      origin: { source: 'kafka', topic, partition, offset, line: index + 1 },
      traceId,
    };
    const decoded = decodeRecord(record, receivedAt, logger, decoding);
    return messageRecord(origin, message, decoded, text, text.length);
  });
}

/**
 * The format of the lines an OTLP log export carries: the topic's, unless that names the export
 * itself (`otlp`), in which case each line is detected.
 */
function linesFormat(format: string | undefined): string | undefined {
  return format === 'otlp' ? undefined : format;
}

function protobufLogLines(value: Buffer): LogLine[] | string {
  try {
    return otlpLogLines(otlpLogsFromProtobuf(value)) ?? [];
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * An OTLP export in protobuf: on a topic set to `otlp-proto`, or, on one left to auto-detection, a
 * message that is not UTF-8 text and opens as an export does (field 1, a message): the Collector's
 * `kafka` exporter writes these by default, and read as text they would be split at their newline
 * bytes into fragments. Real text never passes: a record that opens with a newline is valid UTF-8.
 */
function isOtlpProtobuf(value: Buffer, format: string | undefined): boolean {
  if (format === otlpProtoFormat) return true;
  const detected = format === undefined || format === autoFormat;
  return detected && value[0] === 0x0a && !isUtf8(value);
}

/** What the store keeps of a protobuf message it cannot read: its bytes would get past redaction (the dead-letter topic has them). */
function protobufNotKept(value: Buffer): string {
  return `(${value.length} bytes of OTLP protobuf, not kept here)`;
}

/** A message of an `otlp-proto` topic: one OTLP trace export, read as the OTLP/JSON the `otlp` format takes. */
function otlpExport(
  value: Buffer,
  origin: RecordOrigin,
  receivedAt: number,
  logger: Logger,
  decoding: DecodeSettings,
): DecodedRecord {
  try {
    const record: RawRecord = { raw: JSON.stringify(otlpTracesFromProtobuf(value)), format: 'otlp', origin };
    return decodeRecord(record, receivedAt, logger, decoding);
  } catch (error) {
    const record: RawRecord = { raw: protobufNotKept(value), format: 'otlp', origin };
    return { record, decoded: { ok: false, reason: (error as Error).message, format: 'otlp' } };
  }
}

/**
 * Written out, every key present: the record is built once, in one shape (adding keys to a spread
 * copy of it cost V8 about 2 µs a record, 3 % of a backlog's main thread).
 */
function messageRecord(
  { topic, partition, offset }: MessageOrigin,
  { key }: KafkaMessage,
  decoded: DecodedRecord,
  deadLetterValue: Buffer | string | null,
  bytes: number,
  original?: { bytes: number; sha256: string },
): MessageRecord {
  return { decoded, deadLetterValue, bytes, original, topic, partition, offset, key };
}
