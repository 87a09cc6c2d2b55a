import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, getJson, postBody, startTestHopwatch, type TestHopwatch } from './helpers/api.js';
import { agentSpans } from './helpers/otel-spans.js';

const DAY = 86_400_000;
let running: TestHopwatch;
/** Exported in the first test; their call trees are read back in the last, once every window has closed. */
const exported: ReadableSpan[][] = [];

beforeAll(async () => {
  running = await startTestHopwatch();
});

afterAll(async () => {
  await running?.close();
});

/** The OpenTelemetry SDK's own OTLP/HTTP protobuf exporter, pointed at hopwatch. */
async function exportWithSdk(spans: ReadableSpan[], token: string, compression?: 'gzip') {
  const exporter = new OTLPTraceExporter({
    url: `${running.url}/v1/traces`,
    headers: bearer(token),
    ...(compression === undefined ? {} : { compression: compression as never }),
  });
  const result = await new Promise<{ code: ExportResultCode; error?: Error }>((resolve) =>
    exporter.export(spans, resolve),
  );
  await exporter.shutdown();
  return result;
}

function post(body: Uint8Array | string, contentType: string, token = running.tokens.ingest) {
  return postBody(running, '/v1/traces', body, contentType, token);
}

const get = <T>(path: string) => getJson<T>(running, path);

describe('POST /v1/traces (OTLP/HTTP)', () => {
  it("takes the OpenTelemetry SDK's protobuf exports, gzip or not", async () => {
    exported.push(await agentSpans(), await agentSpans(Date.now() + 1_000));
    expect((await exportWithSdk(exported[0]!, running.tokens.ingest)).code).toBe(ExportResultCode.SUCCESS);
    expect((await exportWithSdk(exported[1]!, running.tokens.ingest, 'gzip')).code).toBe(
      ExportResultCode.SUCCESS,
    );
    const stats = await get<{ ingest: unknown }>('/v1/stats');
    expect(JSON.stringify(stats.ingest)).toMatch(/"otlp":6\b/);
  });

  it('takes OTLP/JSON and answers in JSON', async () => {
    const response = await post(
      JsonTraceSerializer.serializeRequest(await agentSpans())!,
      'application/json',
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
  });

  it('answers an export it cannot take as partial success, and keeps it as a dead letter', async () => {
    const spans = await agentSpans(Date.now() + 3 * DAY);
    const response = await post(ProtobufTraceSerializer.serializeRequest(spans)!, 'application/x-protobuf');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-protobuf');
    const answer = ProtobufTraceSerializer.deserializeResponse(new Uint8Array(await response.arrayBuffer()));
    expect(Number(answer.partialSuccess?.rejectedSpans)).toBe(3);
    expect(answer.partialSuccess?.errorMessage).toMatch(/ahead of the clock/);
    // The SDK takes a partial success as done: it must not send the export again.
    expect((await exportWithSdk(spans, running.tokens.ingest)).code).toBe(ExportResultCode.SUCCESS);
    const letters = await get<{ items: Array<{ reason: string; raw: string }> }>(
      '/v1/dead-letters?format=otlp',
    );
    expect(letters.items).toHaveLength(2);
    expect(letters.items[0]!.reason).toMatch(/ahead of the clock/);
    expect(JSON.parse(letters.items[0]!.raw).resourceSpans).toHaveLength(2);
  });

  it('answers 400 for a body that is not an export, 415 for another type, 403 without the ingest scope', async () => {
    const garbage = await post(new Uint8Array([0x0a, 0xff, 0xff, 0x01]), 'application/x-protobuf');
    expect(garbage.status).toBe(400);
    expect(((await garbage.json()) as { message: string }).message).toMatch(
      /^not an OTLP ExportTraceServiceRequest: /,
    );
    const notOtlp = await post('{"spans": []}', 'application/json');
    expect(((await notOtlp.json()) as { message: string }).message).toBe(
      'not an OTLP/JSON ExportTraceServiceRequest: no resourceSpans',
    );
    expect((await post('GET /', 'text/plain')).status).toBe(415);
    expect((await post(new Uint8Array(), 'application/x-protobuf', running.tokens.read)).status).toBe(403);
    expect((await exportWithSdk(await agentSpans(), 'not-a-token')).code).toBe(ExportResultCode.FAILED);
  });

  it('stores the hops of the exported traces, their lineage whole', async () => {
    await running.hopwatch.pipeline.drain();
    for (const spans of exported) {
      const tree = await get<{ hopCount: number; roots: Array<{ children: unknown[] }> }>(
        `/v1/traces/${spans[0]!.spanContext().traceId}`,
      );
      expect(tree.hopCount).toBe(3);
      expect(tree.roots).toHaveLength(1);
      expect(tree.roots[0]!.children).toHaveLength(1);
    }
  });
});
