import { isObject, type JsonObject, parsedOrUndefined } from '../common/json.js';

/**
 * OTLP log exports (`ExportLogsServiceRequest`): how access logs travel through OpenTelemetry (Istio's
 * `envoyOtelAls` provider, Envoy's `open_telemetry` access logger, the Collector's `filelog` receiver).
 * Each log record carries one access log line in its body: hopwatch reads the export as those lines,
 * each a record of its own in whatever format it is (detected as any record is), so that one line it
 * cannot read is one dead letter and the others still count. The log record's trace id (Envoy's
 * logger sets it from the request's span) is kept for hops whose line names no trace.
 */

/** One log record: the record it stands for, and the trace it was logged in. */
export type LogLine = { text: string; traceId: string | undefined };

/** An OTLP/JSON AnyValue as the plain JSON value it holds (64-bit integers past 2^53 stay decimal strings). */
function plainValue(value: unknown): unknown {
  if (!isObject(value)) return null;
  if (typeof value.stringValue === 'string') return value.stringValue;
  if (typeof value.boolValue === 'boolean') return value.boolValue;
  if (value.intValue !== undefined) {
    const number = Number(value.intValue);
    return Number.isSafeInteger(number) ? number : String(value.intValue);
  }
  if (value.doubleValue !== undefined) return Number(value.doubleValue);
  if (isObject(value.arrayValue)) return listOf(value.arrayValue.values).map(plainValue);
  if (isObject(value.kvlistValue)) return plainObject(value.kvlistValue.values);
  if (typeof value.bytesValue === 'string') return value.bytesValue;
  return null;
}

function plainObject(pairs: unknown): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const pair of listOf(pairs)) {
    if (isObject(pair) && typeof pair.key === 'string') object[pair.key] = plainValue(pair.value);
  }
  return object;
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * The record a log record stands for: its body when that is a string (the access log line), a map
 * body as a JSON record, or with no body its attributes as one (where a `json_parser` or Envoy's
 * `attributes` put the fields). A log record with neither is an empty record, which is rejected.
 */
function textOf(record: JsonObject): string {
  const body = record.body;
  if (isObject(body) && typeof body.stringValue === 'string') return body.stringValue;
  const plain = plainValue(body);
  if (plain !== null) return JSON.stringify(plain);
  const attributes = listOf(record.attributes);
  return attributes.length > 0 ? JSON.stringify(plainObject(attributes)) : '';
}

const traceIdShape = /^(?!0+$)[0-9a-f]{32}$/;

/** OTLP/JSON writes ids as hex; an absent id is empty, or all zeroes. */
function traceIdOf(record: JsonObject): string | undefined {
  const id = typeof record.traceId === 'string' ? record.traceId.toLowerCase() : undefined;
  return id !== undefined && traceIdShape.test(id) ? id : undefined;
}

function lineOf(record: unknown): LogLine {
  if (!isObject(record)) return { text: '', traceId: undefined };
  return { text: textOf(record), traceId: traceIdOf(record) };
}

/** The lines of an OTLP/JSON log export, one per log record; undefined when `value` is no log export. */
export function otlpLogLines(value: unknown): LogLine[] | undefined {
  if (!isObject(value) || !Array.isArray(value.resourceLogs)) return undefined;
  const lines: LogLine[] = [];
  for (const resource of value.resourceLogs) {
    const scopes = isObject(resource) ? listOf(resource.scopeLogs) : [];
    for (const scope of scopes) {
      for (const record of isObject(scope) ? listOf(scope.logRecords) : []) lines.push(lineOf(record));
    }
  }
  return lines;
}

/** How the Collector's `otlp_json` encoding (and any JSON encoder) opens a log export. */
const logExportOpening = /^\s*\{\s*"resourceLogs"\s*:/;

/**
 * The lines of a text record that is an OTLP/JSON log export, or undefined (for any other record,
 * at the cost of a failed match on its first characters).
 */
export function otlpLogLinesOfText(text: string): LogLine[] | undefined {
  return logExportOpening.test(text) ? otlpLogLines(parsedOrUndefined(text)) : undefined;
}

/**
 * `inputs` with each OTLP/JSON log export among them (a line of the Collector's `file` exporter, say)
 * replaced by its log records' lines, each keeping the input's place so that a reject still names
 * where it was. The same array when there is none (nothing is copied for ordinary input).
 */
export function withLogRecords<T>(
  inputs: T[],
  textOf: (input: T) => string,
  withLine: (input: T, line: LogLine) => T,
): T[] {
  let expanded: T[] | undefined;
  for (let index = 0; index < inputs.length; index++) {
    const input = inputs[index]!;
    const lines = otlpLogLinesOfText(textOf(input));
    if (lines === undefined) {
      expanded?.push(input);
      continue;
    }
    expanded ??= inputs.slice(0, index);
    for (const line of lines) expanded.push(withLine(input, line));
  }
  return expanded ?? inputs;
}
