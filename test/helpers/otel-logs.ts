import { readFileSync } from 'node:fs';
import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import type { AnyValueMap, LogRecord } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  type ReadableLogRecord,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';

const samples = new URL('../../fixtures/samples/', import.meta.url);
const sampleLines = (name: string) => readFileSync(new URL(name, samples), 'utf8').trimEnd().split('\n');

/** Istio's default text access log: one request seen by the client's sidecar, then the server's. */
export const istioTextLines = sampleLines('istio-default-text.log');
/** Istio's JSON access log records. */
export const istioJsonRecords = sampleLines('istio-json.ndjson').map(
  (line) => JSON.parse(line) as Record<string, unknown>,
);
/** The trace the log records of Istio's text lines were logged in. */
export const loggedTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
/** A body hopwatch cannot read. */
export const unreadableLine = 'hello from an application log';

/**
 * Access logs as they travel through OpenTelemetry, made by the OpenTelemetry SDK itself: Istio's text
 * lines as string bodies (what `envoyOtelAls` sends), an Istio JSON record as a map body, another as
 * attributes with no body (what a `json_parser` leaves), and one line that is no access log.
 */
export function accessLogRecords(): ReadableLogRecord[] {
  const [mapBody, attributesOnly] = istioJsonRecords.map(withoutNulls);
  // Envoy's logger sets the request's trace and span on the log record when the request is traced.
  const traced = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: loggedTraceId,
    spanId: '00f067aa0ba902b7',
    traceFlags: TraceFlags.SAMPLED,
  });
  return emitted([
    ...istioTextLines.map((line) => ({ body: line, context: traced })),
    { body: mapBody },
    { attributes: attributesOnly },
    { body: unreadableLine },
  ]);
}

/** Lines as log records whose bodies they are, as a log shipper reading them sends them. */
export function logRecordsOf(lines: readonly string[]): ReadableLogRecord[] {
  return emitted(lines.map((line) => ({ body: line })));
}

function emitted(records: LogRecord[]): ReadableLogRecord[] {
  const exported = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'istio-proxy' }),
    processors: [new SimpleLogRecordProcessor({ exporter: exported })],
  });
  const logger = provider.getLogger('envoy-access-log');
  for (const record of records) logger.emit(record);
  return exported.getFinishedLogRecords();
}

/** OTLP carries no null: the SDK drops such values, so the record is compared without them. */
export function withoutNulls(record: Record<string, unknown> | undefined): AnyValueMap {
  return Object.fromEntries(
    Object.entries(record ?? {}).filter(([, value]) => value !== null),
  ) as AnyValueMap;
}
