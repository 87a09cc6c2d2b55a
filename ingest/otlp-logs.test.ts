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
  unreadableLine,
  withoutNulls,
} from '../test/helpers/otel-logs.js';
import { agentSpans } from '../test/helpers/otel-spans.js';
import { normalizeRecord } from './normalize.js';
import { otlpLogLines, otlpLogLinesOfText, otlpLogsFromProtobuf } from './otlp-logs.js';
import { otlpSignalOf } from './otlp-protobuf.js';

describe('OTLP log exports', () => {
  const records = accessLogRecords();
  const protobuf = ProtobufLogsSerializer.serializeRequest(records)!;
  const json = new TextDecoder().decode(JsonLogsSerializer.serializeRequest(records));

  it('are read as the access log lines their log records hold, alike in protobuf and OTLP/JSON', () => {
    const lines = otlpLogLines(otlpLogsFromProtobuf(protobuf));
    expect(lines).toEqual(otlpLogLinesOfText(json));
    expect(lines).toHaveLength(5);
    const [outbound, inbound, mapBody, attributes, unreadable] = lines!;
    expect([outbound, inbound]).toEqual(istioTextLines);
    // A map body, and attributes with no body, are JSON records of the fields they hold.
    expect(JSON.parse(mapBody!)).toEqual(withoutNulls(istioJsonRecords[0]));
    expect(JSON.parse(attributes!)).toEqual(withoutNulls(istioJsonRecords[1]));
    expect(unreadable).toBe(unreadableLine);
  });

  it('give each line the hops it gives on its own', () => {
    const lines = otlpLogLines(otlpLogsFromProtobuf(protobuf))!;
    const now = Date.UTC(2026, 11, 1);
    const formats = lines
      .map((line) => normalizeRecord(line, { now }))
      .map((result) => result.ok && result.format);
    expect(formats).toEqual(['envoy', 'envoy', 'envoy', 'envoy', false]);
    expect(normalizeRecord(lines[0]!, { now })).toEqual(normalizeRecord(istioTextLines[0]!, { now }));
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
    expect(otlpLogLines({ resourceLogs: [{ scopeLogs: [{ logRecords: [{}] }] }] })).toEqual(['']);
    expect(() => otlpLogsFromProtobuf(protobuf.subarray(0, protobuf.length - 9))).toThrow(
      /^not an OTLP ExportLogsServiceRequest: /,
    );
  });
});
