import {
  JsonLogsSerializer,
  ProtobufLogsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import {
  accessLogRecords,
  istioJsonRecords,
  istioTextLines,
  loggedTraceId,
  unreadableLine,
  withoutNulls,
} from '../test/helpers/otel-logs.js';
import { agentSpans } from '../test/helpers/otel-spans.js';
import { normalizeRecord } from './normalize.js';
import { otlpLogLines, otlpLogLinesOfText } from './otlp-logs.js';
import { otlpLogsFromProtobuf, otlpSignalOf } from './otlp-protobuf.js';

describe('OTLP log exports', () => {
  const records = accessLogRecords();
  const protobuf = ProtobufLogsSerializer.serializeRequest(records)!;
  const json = new TextDecoder().decode(JsonLogsSerializer.serializeRequest(records));

  it('are read as the access log lines their log records hold, alike in protobuf and OTLP/JSON', () => {
    const read = otlpLogLines(otlpLogsFromProtobuf(protobuf));
    expect(read).toEqual(otlpLogLinesOfText(json));
    expect(read).toHaveLength(5);
    const [outbound, inbound, mapBody, attributes, unreadable] = read!.map(({ text }) => text);
    expect([outbound, inbound]).toEqual(istioTextLines);
    // A map body, and attributes with no body, are JSON records of the fields they hold.
    expect(JSON.parse(mapBody!)).toEqual(withoutNulls(istioJsonRecords[0]));
    expect(JSON.parse(attributes!)).toEqual(withoutNulls(istioJsonRecords[1]));
    expect(unreadable).toBe(unreadableLine);
  });

  it('give each line the hops it gives on its own', () => {
    const lines = otlpLogLines(otlpLogsFromProtobuf(protobuf))!.map(({ text }) => text);
    const now = Date.UTC(2026, 11, 1);
    const formats = lines
      .map((line) => normalizeRecord(line, { now }))
      .map((result) => result.ok && result.format);
    expect(formats).toEqual(['envoy', 'envoy', 'envoy', 'envoy', false]);
    expect(normalizeRecord(lines[0]!, { now })).toEqual(normalizeRecord(istioTextLines[0]!, { now }));
  });

  it('keep the trace a log record was logged in, for hops whose line names none', () => {
    const read = otlpLogLines(otlpLogsFromProtobuf(protobuf))!;
    expect(read.map(({ traceId }) => traceId)).toEqual([
      loggedTraceId,
      loggedTraceId,
      undefined,
      undefined,
      undefined,
    ]);
    const now = Date.UTC(2026, 11, 1);
    const [outbound] = read;
    const traced = normalizeRecord(outbound!.text, { now, traceId: outbound!.traceId });
    const bare = normalizeRecord(outbound!.text, { now });
    if (!bare.ok) throw new Error(bare.reason);
    expect(bare.events[0]!.traceId).toBeUndefined();
    expect(traced).toEqual({ ...bare, events: [{ ...bare.events[0], traceId: loggedTraceId }] });
    // A line's own trace context comes first.
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const own = normalizeRecord(JSON.stringify({ ...istioJsonRecords[0], traceparent }), {
      now,
      traceId: loggedTraceId,
    });
    expect(own.ok && own.events[0]!.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
  });

  it('are told apart from trace exports in protobuf', async () => {
    expect(otlpSignalOf(protobuf)).toBe('logs');
    expect(otlpSignalOf(ProtobufTraceSerializer.serializeRequest(await agentSpans())!)).toBe('traces');
    expect(otlpSignalOf(new Uint8Array())).toBe('traces');
  });

  it('are no other record, and say what does not decode without quoting it', () => {
    expect(otlpLogLinesOfText(istioTextLines[0]!)).toBeUndefined();
    expect(otlpLogLinesOfText(JSON.stringify(istioJsonRecords[0]))).toBeUndefined();
    expect(otlpLogLinesOfText('{"resourceLogs": [')).toBeUndefined();
    expect(
      otlpLogLines({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ traceId: '0'.repeat(32) }] }] }] }),
    ).toEqual([{ text: '', traceId: undefined }]);
    expect(() => otlpLogsFromProtobuf(protobuf.subarray(0, protobuf.length - 9))).toThrow(
      /^not an OTLP ExportLogsServiceRequest: /,
    );
  });
});
