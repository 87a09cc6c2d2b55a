import protobuf from 'protobufjs/minimal.js';

/**
 * Reading OTLP protobuf with protobufjs's wire reader: the messages every signal shares (AnyValue,
 * KeyValue, Resource, InstrumentationScope) turned into their OTLP/JSON form. Field numbers are those
 * of opentelemetry-proto's common/v1 and resource/v1.
 */

export type Reader = protobuf.Reader;
export type Json = Record<string, unknown>;

export const wireVarint = 0;
export const wireFixed64 = 1;
export const wireLengthDelimited = 2;
export const wireFixed32 = 5;

/** Reads the fields of the message that ends at `end`, each handed to `field` with its wire type. */
export function fields(reader: Reader, end: number, field: (number: number, wire: number) => boolean): void {
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
export function message<T>(reader: Reader, wire: number, read: (end: number) => T): T {
  if (wire !== wireLengthDelimited) throw new Error('a message field of another wire type');
  const length = reader.uint32();
  const end = reader.pos + length;
  if (end > reader.len) throw new Error('a message longer than the body');
  return read(end);
}

export function text(reader: Reader, wire: number): string {
  if (wire !== wireLengthDelimited) throw new Error('a string field of another wire type');
  return reader.string();
}

export function hex(reader: Reader, wire: number): string {
  if (wire !== wireLengthDelimited) throw new Error('a bytes field of another wire type');
  return Buffer.from(reader.bytes()).toString('hex');
}

/** An unsigned 64-bit fixed field (nanoseconds since the epoch) as a decimal string, exactly. */
export function fixed64(reader: Reader, wire: number): string {
  if (wire !== wireFixed64) throw new Error('a fixed64 field of another wire type');
  const low = reader.fixed32();
  const high = reader.fixed32();
  return ((BigInt(high) << 32n) | BigInt(low)).toString();
}

export function varint(reader: Reader, wire: number): number {
  if (wire !== wireVarint) throw new Error('a varint field of another wire type');
  return reader.uint32();
}

export function anyValue(reader: Reader, end: number): Json {
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

export function keyValue(reader: Reader, end: number): Json {
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
export function attributed(reader: Reader, end: number, attributesField: number, named: boolean): Json {
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

/** Reads one embedded message, which ends at `end`. */
export type Item = (reader: Reader, end: number) => Json;

/**
 * A message that repeats `item` as field `itemsField` (a ResourceSpans its ScopeSpans, a ScopeLogs its
 * log records), in OTLP/JSON form with the items under `key`. `other` reads the message's other fields
 * into it (a resource or scope, a schema URL) and answers whether it took the field; the rest are skipped.
 */
export function holding(
  reader: Reader,
  end: number,
  itemsField: number,
  key: string,
  item: Item,
  other?: (read: Json, number: number, wire: number) => boolean,
): Json {
  const read: Json = {};
  const items: Json[] = [];
  fields(reader, end, (number, wire) => {
    if (number === itemsField) {
      items.push(message(reader, wire, (itemEnd) => item(reader, itemEnd)));
      return true;
    }
    return other?.(read, number, wire) ?? false;
  });
  return { ...read, [key]: items };
}

/**
 * A whole export request (`what`): its resources (field 1) under `key`. Throws an Error saying what
 * does not decode; protobufjs's own errors say where (`index out of range: 12 + 4 > 14`), never what
 * was there.
 */
export function exportRequest<Key extends string>(
  body: Uint8Array,
  what: string,
  key: Key,
  resource: Item,
): Record<Key, Json[]> {
  const reader = protobuf.Reader.create(body);
  try {
    return holding(reader, reader.len, 1, key, resource) as Record<Key, Json[]>;
  } catch (error) {
    throw new Error(`not an OTLP ${what}: ${(error as Error).message}`);
  }
}
