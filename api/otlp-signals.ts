import { isObject } from '../common/json.js';
import { spanCount } from '../ingest/formats/otlp.js';
import { otlpLogLines } from '../ingest/otlp-logs.js';
import {
  type OtlpPartialSuccess,
  otlpLogsFromProtobuf,
  otlpTracesFromProtobuf,
} from '../ingest/otlp-protobuf.js';
import type { RawRecord, RecordReject } from '../ingest/source.js';
import { httpRecord } from './request-body.js';

/**
 * The two OTLP signals hopwatch receives, as both of its receivers (OTLP/HTTP routes, the OTLP/gRPC
 * server) read them: an export request becomes records, and its rejected records a partial success.
 */

/** What an export request became: the records it is, and how many spans or log records each holds. */
export type ReadExport = { records: RawRecord[]; itemsPerRecord: number };

/** One OTLP signal's receiver: its path, its request message, and how a body becomes records. */
export type Signal = {
  /** The OTLP/HTTP route. */
  path: string;
  /** The OTLP/gRPC method. */
  grpcMethod: string;
  request: string;
  /** The export's top-level list. */
  resources: string;
  /** OTLP/JSON's name for the rejected count of a partial success. */
  rejectedKey: string;
  summary: string;
  fromProtobuf: (bytes: Buffer) => unknown;
  /** The records of an export in its OTLP/JSON form, or undefined when it is not such an export. */
  recordsOf: (exported: unknown, text: string) => ReadExport | undefined;
};

/** A trace export is one `otlp` record (lineage reads its spans together). */
export const traces: Signal = {
  path: '/traces',
  grpcMethod: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  request: 'ExportTraceServiceRequest',
  resources: 'resourceSpans',
  rejectedKey: 'rejectedSpans',
  summary: 'Receive OTLP/HTTP trace exports (application/x-protobuf or application/json)',
  fromProtobuf: otlpTracesFromProtobuf,
  recordsOf: (exported, text) =>
    isObject(exported) && Array.isArray(exported.resourceSpans)
      ? { records: [httpRecord(text, 1, 'otlp')], itemsPerRecord: spanCount(exported) }
      : undefined,
};

/** A log export is a record per log record: the access log line its body holds, in whatever format. */
export const logs: Signal = {
  path: '/logs',
  grpcMethod: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
  request: 'ExportLogsServiceRequest',
  resources: 'resourceLogs',
  rejectedKey: 'rejectedLogRecords',
  summary: 'Receive OTLP/HTTP log exports whose log records are access log lines',
  fromProtobuf: otlpLogsFromProtobuf,
  recordsOf: (exported) => {
    const lines = otlpLogLines(exported);
    if (lines === undefined) return undefined;
    const records = lines.map(({ text, traceId }, index) => httpRecord(text, index + 1, undefined, traceId));
    return { records, itemsPerRecord: 1 };
  },
};

/** The body's records, or why it is not an export of the signal. */
export function exportOf(signal: Signal, bytes: Buffer, protobuf: boolean): ReadExport | string {
  const notExport = `not an OTLP/JSON ${signal.request}`;
  try {
    if (protobuf) {
      const exported = signal.fromProtobuf(bytes);
      return signal.recordsOf(exported, JSON.stringify(exported)) ?? `not an OTLP ${signal.request}`;
    }
    const text = bytes.toString('utf8');
    return signal.recordsOf(JSON.parse(text), text) ?? `${notExport}: no ${signal.resources}`;
  } catch (error) {
    return protobuf ? (error as Error).message : `${notExport}: not valid JSON`;
  }
}

/** Partial success: how many items the rejected records held, and why the first was rejected. */
export function partialOf(
  read: ReadExport,
  rejects: readonly RecordReject[],
): OtlpPartialSuccess | undefined {
  const first = rejects[0];
  if (first === undefined) return undefined;
  const rejected = rejects.length * read.itemsPerRecord;
  const more = rejects.length > 1 ? ` (and ${rejects.length - 1} more records rejected)` : '';
  return { rejected, errorMessage: `${first.reason}${more}` };
}

/** The export response in OTLP/JSON, which names the rejected count after the signal. */
export function jsonResponse(signal: Signal, partial: OtlpPartialSuccess | undefined) {
  if (partial === undefined) return {};
  return { partialSuccess: { [signal.rejectedKey]: partial.rejected, errorMessage: partial.errorMessage } };
}
