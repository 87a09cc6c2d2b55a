import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { agentSpans } from '../test/helpers/otel-spans.js';
import { spanCount } from './formats/otlp.js';
import { normalizeRecord } from './normalize.js';
import { otlpExportResponse, otlpTracesFromProtobuf } from './otlp-protobuf.js';

describe('OTLP trace exports in protobuf', () => {
  it('decode to the hops the same export gives as OTLP/JSON, both made by the OpenTelemetry SDK', async () => {
    const spans = await agentSpans(Date.UTC(2026, 11, 1, 12));
    const fromProtobuf = otlpTracesFromProtobuf(ProtobufTraceSerializer.serializeRequest(spans)!);
    const json = new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans));
    expect(spanCount(fromProtobuf)).toBe(3);
    const now = Date.UTC(2026, 11, 2);
    const hops = normalizeRecord(JSON.stringify(fromProtobuf), { format: 'otlp', now });
    const expected = normalizeRecord(json, { format: 'otlp', now });
    expect(expected.ok && expected.events.length).toBe(3);
    expect(hops).toEqual(expected);
    // Attribute values of every kind, ids as hex and times as exact decimal nanoseconds.
    expect(JSON.stringify(fromProtobuf)).toContain('"startTimeUnixNano":"1796126400000000000"');
    expect(JSON.stringify(fromProtobuf)).toContain('{"key":"replicas","value":{"intValue":"3"}}');
    expect(JSON.stringify(fromProtobuf)).toContain('{"key":"deployment.weight","value":{"doubleValue":1.5}}');
    expect(JSON.stringify(fromProtobuf)).toContain('{"key":"app.cached","value":{"boolValue":false}}');
  });

  it('say what does not decode, without quoting the body', async () => {
    const body = ProtobufTraceSerializer.serializeRequest(await agentSpans())!;
    expect(() => otlpTracesFromProtobuf(body.subarray(0, body.length - 7))).toThrow(
      /^not an OTLP ExportTraceServiceRequest: /,
    );
    expect(() => otlpTracesFromProtobuf(Buffer.from('{"resourceSpans": []}'))).toThrow(
      /^not an OTLP ExportTraceServiceRequest/,
    );
    expect(otlpTracesFromProtobuf(new Uint8Array())).toEqual({ resourceSpans: [] });
  });

  it('answer with an ExportTraceServiceResponse the SDK reads, partial success included', () => {
    expect(otlpExportResponse(undefined)).toHaveLength(0);
    const partial = ProtobufTraceSerializer.deserializeResponse(
      otlpExportResponse({
        rejected: 3,
        errorMessage:
          'otlp: start time is 72 h ahead of the clock that received it (detectors.maxFutureMs allows 1 min)',
      }),
    );
    expect(partial.partialSuccess).toMatchObject({
      errorMessage:
        'otlp: start time is 72 h ahead of the clock that received it (detectors.maxFutureMs allows 1 min)',
    });
    expect(Number(partial.partialSuccess?.rejectedSpans)).toBe(3);
  });
});
