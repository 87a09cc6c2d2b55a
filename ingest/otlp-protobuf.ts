import protobuf from 'protobufjs/minimal.js';
import {
  attributed,
  fields,
  fixed64,
  hex,
  type Json,
  keyValue,
  message,
  type Reader,
  text,
  topLevel,
  varint,
  wireFixed32,
  wireFixed64,
  wireLengthDelimited,
  wireVarint,
} from './otlp-wire.js';

/**
 * An OTLP/HTTP trace export in protobuf (`ExportTraceServiceRequest`, what OpenTelemetry SDKs and the
 * Collector's OTLP/HTTP exporter send by default) turned into the OTLP/JSON document the `otlp`
 * format reads: the same field names, ids as hex, 64-bit integers as decimal strings. Only what a hop
 * can come from is kept (resources, scopes, spans, their attributes and status); events and links are
 * skipped. Field numbers are those of opentelemetry-proto's trace/v1, common/v1 and resource/v1.
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

function scopeSpans(reader: Reader, end: number): Json {
  const read: Json = {};
  const spans: Json[] = [];
  fields(reader, end, (number, wire) => {
    if (number === 1) read.scope = message(reader, wire, (scopeEnd) => attributed(reader, scopeEnd, 3, true));
    else if (number === 2) spans.push(message(reader, wire, (spanEnd) => span(reader, spanEnd)));
    else if (number === 3) read.schemaUrl = text(reader, wire);
    else return false;
    return true;
  });
  return { ...read, spans };
}

function resourceSpans(reader: Reader, end: number): Json {
  const read: Json = {};
  const scopes: Json[] = [];
  fields(reader, end, (number, wire) => {
    if (number === 1)
      read.resource = message(reader, wire, (resourceEnd) => attributed(reader, resourceEnd, 1, false));
    else if (number === 2) scopes.push(message(reader, wire, (scopeEnd) => scopeSpans(reader, scopeEnd)));
    else if (number === 3) read.schemaUrl = text(reader, wire);
    else return false;
    return true;
  });
  return { ...read, scopeSpans: scopes };
}

export type OtlpTraceExport = { resourceSpans: Json[] };

/** Throws an Error saying what does not decode; its message never quotes the body. */
export function otlpTracesFromProtobuf(body: Uint8Array): OtlpTraceExport {
  const resources: Json[] = [];
  topLevel(body, 'ExportTraceServiceRequest', (reader, number, wire) => {
    if (number !== 1) return false;
    resources.push(message(reader, wire, (end) => resourceSpans(reader, end)));
    return true;
  });
  return { resourceSpans: resources };
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
