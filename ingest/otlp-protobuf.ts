import protobuf from 'protobufjs/minimal.js';
import {
  anyValue,
  attributed,
  exportRequest,
  fields,
  fixed64,
  hex,
  holding,
  type Json,
  keyValue,
  message,
  type Reader,
  text,
  varint,
  wireFixed32,
  wireFixed64,
  wireLengthDelimited,
  wireVarint,
} from './otlp-wire.js';

/**
 * OTLP exports in protobuf turned into their OTLP/JSON form. A trace export
 * (`ExportTraceServiceRequest`, what OpenTelemetry SDKs and the Collector's OTLP/HTTP exporter send by
 * default) becomes the OTLP/JSON document the `otlp` format reads: the same field names, ids as hex, 64-bit integers as decimal strings. Only what a hop
 * can come from is kept (resources, scopes, spans, their attributes and status); events and links are
 * skipped. A log export keeps what its lines come from (see otlp-logs.ts). Field numbers are those of
 * opentelemetry-proto's trace/v1, logs/v1, common/v1 and resource/v1.
 */

function status(reader: Reader, end: number): Json {
  const read: Json = {};
  fields(reader, end, (number, wire) => {
    if (number === 2) read.message = text(reader, wire);
    else if (number === 3) read.code = varint(reader, wire);
    else return false;
    return true;
  });
  return read;
}

function span(reader: Reader, end: number): Json {
  const read: Json = {};
  const attributes: Json[] = [];
  fields(reader, end, (number, wire) => {
    if (number === 1) read.traceId = hex(reader, wire);
    else if (number === 2) read.spanId = hex(reader, wire);
    else if (number === 3) read.traceState = text(reader, wire);
    else if (number === 4) read.parentSpanId = hex(reader, wire);
    else if (number === 5) read.name = text(reader, wire);
    else if (number === 6) read.kind = varint(reader, wire);
    else if (number === 7) read.startTimeUnixNano = fixed64(reader, wire);
    else if (number === 8) read.endTimeUnixNano = fixed64(reader, wire);
    else if (number === 9) attributes.push(message(reader, wire, (pairEnd) => keyValue(reader, pairEnd)));
    else if (number === 15) read.status = message(reader, wire, (statusEnd) => status(reader, statusEnd));
    else if (number === 16 && wire === wireFixed32) read.flags = reader.fixed32();
    else return false;
    return true;
  });
  return { ...read, attributes };
}

/** A ScopeSpans' or ResourceSpans' own fields: its scope or resource (field 1), its schema URL (3). */
function described(reader: Reader, key: 'scope' | 'resource') {
  // A scope's attributes are its field 3, beside its name and version; a resource's are its field 1.
  const [attributesField, named] = key === 'scope' ? [3, true] : [1, false];
  return (read: Json, number: number, wire: number): boolean => {
    if (number === 1)
      read[key] = message(reader, wire, (end) => attributed(reader, end, attributesField, named));
    else if (number === 3) read.schemaUrl = text(reader, wire);
    else return false;
    return true;
  };
}

const scopeSpans = (reader: Reader, end: number) =>
  holding(reader, end, 2, 'spans', span, described(reader, 'scope'));
const resourceSpans = (reader: Reader, end: number) =>
  holding(reader, end, 2, 'scopeSpans', scopeSpans, described(reader, 'resource'));

export type OtlpTraceExport = { resourceSpans: Json[] };

/** Throws an Error saying what does not decode; its message never quotes the body. */
export function otlpTracesFromProtobuf(body: Uint8Array): OtlpTraceExport {
  return exportRequest(body, 'ExportTraceServiceRequest', 'resourceSpans', resourceSpans);
}

/** The OTLP/JSON form of a log export, as far as lines come from it. */
export type OtlpLogExport = { resourceLogs: Json[] };

function logRecord(reader: Reader, end: number): Json {
  const read: Json = {};
  const attributes: Json[] = [];
  fields(reader, end, (number, wire) => {
    if (number === 5) read.body = message(reader, wire, (bodyEnd) => anyValue(reader, bodyEnd));
    else if (number === 9) read.traceId = hex(reader, wire);
    else if (number === 6) attributes.push(message(reader, wire, (pairEnd) => keyValue(reader, pairEnd)));
    else return false;
    return true;
  });
  return { ...read, attributes };
}

// The scope and resource of a log record are not needed here: only the items are read.
const scopeLogs = (reader: Reader, end: number) => holding(reader, end, 2, 'logRecords', logRecord);
const resourceLogs = (reader: Reader, end: number) => holding(reader, end, 2, 'scopeLogs', scopeLogs);

/** A protobuf log export (`ExportLogsServiceRequest`) in its OTLP/JSON form, as far as lines come from it (otlp-logs.ts). Throws an Error saying what does not decode, never quoting the body. */
export function otlpLogsFromProtobuf(body: Uint8Array): OtlpLogExport {
  return exportRequest(body, 'ExportLogsServiceRequest', 'resourceLogs', resourceLogs);
}

/**
 * Which signal a protobuf export carries. Trace and log exports open alike (field 1, then field 2,
 * then field 2: resources, scopes, items); their items differ: a span has its trace id (field 1, bytes)
 * and start and end times (fields 7 and 8, fixed64), a log record its times as fields 1 and 11,
 * fixed64 (its fields 7 and 8 are a count and flags). An export with no item, or one that does not parse, is taken as traces (the
 * trace decoder then says what is wrong).
 */
export function otlpSignalOf(body: Uint8Array): 'traces' | 'logs' {
  const reader = protobuf.Reader.create(body);
  try {
    let end = reader.len;
    for (const wanted of [1, 2, 2]) {
      const within = firstField(reader, end, wanted);
      if (within === undefined) return 'traces';
      end = within;
    }
    while (reader.pos < end) {
      const tag = reader.uint32();
      const number = tag >>> 3;
      const wire = tag & 7;
      if (number === 1 && wire === wireLengthDelimited) return 'traces';
      if ((number === 7 || number === 8) && wire === wireFixed64) return 'traces';
      if ((number === 1 || number === 11) && wire === wireFixed64) return 'logs';
      reader.skipType(wire);
    }
    return 'logs';
  } catch {
    return 'traces';
  }
}

/** Moves the reader into the first field `number` (a message) before `end`; where that message ends. */
function firstField(reader: Reader, end: number, number: number): number | undefined {
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag >>> 3 === number && (tag & 7) === wireLengthDelimited) {
      const length = reader.uint32();
      return reader.pos + length;
    }
    reader.skipType(tag & 7);
  }
  return undefined;
}

/** What a receiver answers an export: nothing when every item was taken, else how many were rejected and why. */
export type OtlpPartialSuccess = { rejected: number; errorMessage: string };

/**
 * An `ExportTraceServiceResponse` or `ExportLogsServiceResponse` in protobuf (the two are laid out
 * alike): empty, or with its `partial_success` (field 1: the rejected count, then the message).
 */
export function otlpExportResponse(partial: OtlpPartialSuccess | undefined): Uint8Array {
  const writer = protobuf.Writer.create();
  if (partial !== undefined) {
    writer.uint32((1 << 3) | wireLengthDelimited).fork();
    writer.uint32((1 << 3) | wireVarint).int64(partial.rejected);
    writer.uint32((2 << 3) | wireLengthDelimited).string(partial.errorMessage);
    writer.ldelim();
  }
  return writer.finish();
}
