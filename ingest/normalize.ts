import { isObject } from '../common/json.js';
import { formatDuration, trimmed } from '../common/text.js';
import type { CallerHint } from '../schemas/caller-hint.js';
import type { HopEvent, HopOrigin } from '../schemas/hop-event.js';
import type { UpstreamTag } from '../schemas/resolved-hop.js';
import { findFormat, formatAdapters } from './formats/index.js';
import type { AdapterContext, FormatAdapter, ParsedRecord } from './formats/types.js';
import { redactHop } from './redact.js';

export type NormalizeOptions = {
  /** A format name, or `auto` (the default) to detect per record. */
  format?: string;
  origin?: { topic?: string; partition?: number; offset?: string };
  /** Wall-clock ms when the record arrived; events starting more than maxFutureMs after it are rejected. Defaults to Date.now(). */
  now?: number;
  /** See detectors.maxFutureMs. */
  maxFutureMs?: number;
  /** Longer records are rejected unread. */
  maxRecordBytes?: number;
  /** See AdapterContext.onDraft. */
  onDraft?: AdapterContext['onDraft'];
  /** See AdapterContext.callerHint. */
  callerHint?: CallerHint;
  /** Set on the line taken out of a shipper's envelope: it is not unwrapped again. */
  shipped?: boolean;
  /** See RawRecord.traceId. */
  traceId?: string;
};

export type NormalizeResult =
  | { ok: true; format: string; events: HopEvent[]; upstream?: UpstreamTag }
  | { ok: false; reason: string; format?: string };

/** Whether decoded events belong to more than one trace (an OTLP export of a batch). */
export function holdsSeveralTraces(events: readonly HopEvent[]): boolean {
  for (let index = 1; index < events.length; index++) {
    if (events[index]!.traceId !== events[0]!.traceId) return true;
  }
  return false;
}

export const autoFormat = 'auto';
/** Names accepted as `format`: every adapter's and `auto`. */
export const formatNames: readonly string[] = [autoFormat, ...formatAdapters.map((adapter) => adapter.name)];
export const defaultMaxRecordBytes = 1024 * 1024;
export const defaultMaxFutureMs = 60_000;

/** JSON.parse messages quote the input; a reason must not (it may hold a token), so only the position is kept. */
const jsonErrorPosition = /position (\d+)/;

/** `[2016-04-15T…] "GET …` opens an Envoy text line; as JSON it could only be an error. */
const bracketedDate = /^\[\d{4}-/;

function parseRecord(raw: string): ParsedRecord | string {
  const first = raw.charCodeAt(0);
  if ((first !== 123 && first !== 91) || bracketedDate.test(raw)) return { kind: 'text', raw };
  try {
    return { kind: 'json', value: JSON.parse(raw), raw };
  } catch (error) {
    if (first === 91) return { kind: 'text', raw };
    const message = (error as Error).message;
    if (message.includes('end of JSON')) return `not valid JSON (cut short after ${raw.length} characters)`;
    const position = jsonErrorPosition.exec(message)?.[1];
    return position === undefined
      ? 'not valid JSON'
      : `not valid JSON (error at character ${position} of ${raw.length})`;
  }
}

/**
 * Where log shippers put the line they read when they wrap it in JSON of their own: Vector and
 * Filebeat (`message`), Fluent Bit and Docker's json-file (`log`).
 */
const shipperLineFields = ['message', 'log'] as const;

/** The line inside a shipper's envelope, when a record of no known format is one. */
function shippedLine(record: ParsedRecord): { field: string; line: string } | undefined {
  if (record.kind !== 'json' || !isObject(record.value)) return undefined;
  for (const field of shipperLineFields) {
    const line = record.value[field];
    if (typeof line === 'string' && line.trim() !== '') return { field, line };
  }
  return undefined;
}

/** Said of an OTLP log export met where one record is expected (replay, explain, a line among several). */
const logExportReason =
  'an OTLP log export, which is read as its log records where exports come in ' +
  '(POST /v1/logs, a Kafka message, a line given to detect or normalize), not as one record';

function isLogExport(record: ParsedRecord): boolean {
  return record.kind === 'json' && isObject(record.value) && Array.isArray(record.value.resourceLogs);
}

function byteLengthAbove(raw: string, limit: number): boolean {
  if (raw.length > limit) return true;
  return raw.length * 3 > limit && Buffer.byteLength(raw) > limit;
}

function adapterFor(record: ParsedRecord, format: string): FormatAdapter | string {
  if (format !== autoFormat)
    return findFormat(format) ?? `unknown format "${format}"; use one of ${formatNames.join(', ')}`;
  for (const adapter of formatAdapters) if (adapter.detect(record)) return adapter;
  return record.kind === 'json' ? 'JSON record of no known format' : 'text line of no known format';
}

function originOf(format: string, options: NormalizeOptions): HopOrigin {
  const origin: HopOrigin = { format };
  const coordinates = options.origin;
  if (coordinates?.topic !== undefined) origin.topic = coordinates.topic;
  if (coordinates?.partition !== undefined) origin.partition = coordinates.partition;
  if (coordinates?.offset !== undefined) origin.offset = coordinates.offset;
  return origin;
}

function outOfRange(events: HopEvent[], now: number, maxFutureMs: number): string | undefined {
  for (const event of events) {
    if (!Number.isSafeInteger(event.ts) || event.ts < 0) return 'start time is negative or not a time';
    if (event.ts > now + maxFutureMs)
      return `start time is ${formatDuration(event.ts - now)} ahead of the clock that received it (detectors.maxFutureMs allows ${formatDuration(maxFutureMs)})`;
  }
  return undefined;
}

/**
 * One raw record (a log line, a Kafka message, an OTLP export) → zero or more HopEvents, or a human
 * reason why not. Never throws on input, and no reason ever quotes the record.
 */
export function normalizeRecord(raw: string, options: NormalizeOptions = {}): NormalizeResult {
  const limit = options.maxRecordBytes ?? defaultMaxRecordBytes;
  if (byteLengthAbove(raw, limit)) return { ok: false, reason: `record is longer than ${limit} bytes` };
  const text = trimmed(raw);
  if (text.length === 0) return { ok: false, reason: 'empty record' };
  const record = parseRecord(text);
  if (typeof record === 'string') return { ok: false, reason: record };
  const format = options.format ?? autoFormat;
  const adapter = adapterFor(record, format);
  if (typeof adapter === 'string')
    return (
      unwrapped(record, options) ?? { ok: false, reason: isLogExport(record) ? logExportReason : adapter }
    );
  const context: AdapterContext = { origin: originOf(adapter.name, options) };
  if (options.onDraft !== undefined) context.onDraft = options.onDraft;
  if (options.callerHint !== undefined) context.callerHint = options.callerHint;
  const result = adapter.toHopEvents(record, context);
  if (!result.ok) {
    const rejected: NormalizeResult = { ok: false, reason: result.reason, format: adapter.name };
    if (format === autoFormat) return rejected;
    // A pinned topic fed through a shipper's JSON codec: the envelope's line, if the format reads it.
    const inner = unwrapped(record, options);
    return inner?.ok ? inner : rejected;
  }
  const badTime = outOfRange(
    result.events,
    options.now ?? Date.now(),
    options.maxFutureMs ?? defaultMaxFutureMs,
  );
  if (badTime !== undefined)
    return { ok: false, reason: `${adapter.name}: ${badTime}`, format: adapter.name };
  const { traceId } = options;
  for (const event of result.events) {
    if (traceId !== undefined && event.traceId === undefined) event.traceId = traceId;
    redactHop(event);
  }
  const normalized: NormalizeResult = { ok: true, format: adapter.name, events: result.events };
  if (result.upstream !== undefined) normalized.upstream = result.upstream;
  return normalized;
}

/**
 * A record of no known format, or one its pinned format rejects, that is a shipper's envelope (see
 * shipperLineFields) is the line it carries: decoded as that line would be on its own (the same hop
 * ids, the same format option), or rejected saying where the line was. Undefined when the record is no
 * envelope, or is one already unwrapped.
 */
function unwrapped(record: ParsedRecord, options: NormalizeOptions): NormalizeResult | undefined {
  const shipped = options.shipped ? undefined : shippedLine(record);
  if (shipped === undefined) return undefined;
  const inner = normalizeRecord(shipped.line, { ...options, shipped: true });
  if (inner.ok) return inner;
  return { ...inner, reason: `the line in its \`${shipped.field}\` field: ${inner.reason}` };
}
