import protobuf from 'protobufjs/minimal.js';

/**
 * An OTLP/HTTP trace export in protobuf (`ExportTraceServiceRequest`, what OpenTelemetry SDKs and the
 * Collector's OTLP/HTTP exporter send by default) turned into the OTLP/JSON document the `otlp`
 * format reads: the same field names, ids as hex, 64-bit integers as decimal strings. Only what a hop
 * can come from is kept (resources, scopes, spans, their attributes and status); events and links are
 * skipped. Field numbers are those of opentelemetry-proto's trace/v1, common/v1 and resource/v1.
 */

type Reader = protobuf.Reader;
type Json = Record<string, unknown>;

const wireVarint = 0;
const wireFixed64 = 1;
const wireLengthDelimited = 2;
const wireFixed32 = 5;

/** Reads the fields of the message that ends at `end`, each handed to `field` with its wire type. */
function fields(reader: Reader, end: number, field: (number: number, wire: number) => boolean): void {
  while (reader.pos < end) {
    const tag = reader.uint32();
    const number = tag >>> 3;
    const wire = tag & 7;
    if (number === 0) throw new Error('a field numbered 0');
    if (!field(number, wire)) reader.skipType(wire);
  }
  if (reader.pos !== end) throw new Error('a message runs past its end');
}

/** An embedded message: `read` gets the reader and where the message ends. */
function message<T>(reader: Reader, wire: number, read: (end: number) => T): T {
  if (wire !== wireLengthDelimited) throw new Error('a message field of another wire type');
  const length = reader.uint32();
  const end = reader.pos + length;
  if (end > reader.len) throw new Error('a message longer than the body');
  return read(end);
}

function text(reader: Reader, wire: number): string {
  if (wire !== wireLengthDelimited) throw new Error('a string field of another wire type');
  return reader.string();
}

function hex(reader: Reader, wire: number): string {
  if (wire !== wireLengthDelimited) throw new Error('a bytes field of another wire type');
  return Buffer.from(reader.bytes()).toString('hex');
}

/** An unsigned 64-bit fixed field (nanoseconds since the epoch) as a decimal string, exactly. */
function fixed64(reader: Reader, wire: number): string {
  if (wire !== wireFixed64) throw new Error('a fixed64 field of another wire type');
  const low = reader.fixed32();
  const high = reader.fixed32();
  return ((BigInt(high) << 32n) | BigInt(low)).toString();
}

function varint(reader: Reader, wire: number): number {
  if (wire !== wireVarint) throw new Error('a varint field of another wire type');
  return reader.uint32();
}

function anyValue(reader: Reader, end: number): Json {
  let value: Json = {};
  fields(reader, end, (number, wire) => {
    if (number === 1) value = { stringValue: text(reader, wire) };
    else if (number === 2 && wire === wireVarint) value = { boolValue: reader.bool() };
    else if (number === 3 && wire === wireVarint) value = { intValue: reader.int64().toString() };
    else if (number === 4 && wire === wireFixed64) value = { doubleValue: reader.double() };
    else if (number === 5) value = { arrayValue: { values: repeated(reader, wire, anyValue) } };
    else if (number === 6) value = { kvlistValue: { values: repeated(reader, wire, keyValue) } };
    else if (number === 7 && wire === wireLengthDelimited)
      value = { bytesValue: Buffer.from(reader.bytes()).toString('base64') };
    else return false;
    return true;
  });
  return value;
}

/** An ArrayValue's or KeyValueList's items (field 1, repeated). */
function repeated(reader: Reader, wire: number, item: (reader: Reader, end: number) => Json): Json[] {
  return message(reader, wire, (end) => {
    const items: Json[] = [];
    fields(reader, end, (number, itemWire) => {
      if (number !== 1) return false;
      items.push(message(reader, itemWire, (itemEnd) => item(reader, itemEnd)));
      return true;
    });
    return items;
  });
}

function keyValue(reader: Reader, end: number): Json {
  const pair: Json = { key: '' };
  fields(reader, end, (number, wire) => {
    if (number === 1) pair.key = text(reader, wire);
    else if (number === 2) pair.value = message(reader, wire, (valueEnd) => anyValue(reader, valueEnd));
    else return false;
    return true;
  });
  return pair;
}

/** Resource, InstrumentationScope: attributes are field 1 of a Resource and 3 of a scope. */
function attributed(reader: Reader, end: number, attributesField: number, named: boolean): Json {
  const attributes: Json[] = [];
  const described: Json = {};
  fields(reader, end, (number, wire) => {
    if (number === attributesField)
      attributes.push(message(reader, wire, (pairEnd) => keyValue(reader, pairEnd)));
    else if (named && number === 1) described.name = text(reader, wire);
    else if (named && number === 2) described.version = text(reader, wire);
    else return false;
    return true;
  });
  return { ...described, attributes };
}

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
  const reader = protobuf.Reader.create(body);
  const resources: Json[] = [];
  try {
    fields(reader, reader.len, (number, wire) => {
      if (number !== 1) return false;
      resources.push(message(reader, wire, (end) => resourceSpans(reader, end)));
      return true;
    });
  } catch (error) {
    // protobufjs's own errors say where (`index out of range: 12 + 4 > 14`), never what was there.
    throw new Error(`not an OTLP ExportTraceServiceRequest: ${(error as Error).message}`);
  }
  return { resourceSpans: resources };
}

/** What a receiver answers an export: nothing when every span was taken, else how many were rejected and why. */
export type OtlpPartialSuccess = { rejectedSpans: number; errorMessage: string };

/** An `ExportTraceServiceResponse` in protobuf: empty, or with its `partial_success` (field 1). */
export function otlpTraceResponse(partial: OtlpPartialSuccess | undefined): Uint8Array {
  const writer = protobuf.Writer.create();
  if (partial !== undefined) {
    writer.uint32((1 << 3) | wireLengthDelimited).fork();
    writer.uint32((1 << 3) | wireVarint).int64(partial.rejectedSpans);
    writer.uint32((2 << 3) | wireLengthDelimited).string(partial.errorMessage);
    writer.ldelim();
  }
  return writer.finish();
}
