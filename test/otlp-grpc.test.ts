import { Client, credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleHopwatch } from '../cli/run.js';
import { createLogger } from '../common/logger.js';
import { parseConfig } from '../pipeline/load-config.js';
import { getJson, startTestHopwatch, type TestHopwatch } from './helpers/api.js';
import { accessLogRecords, unreadableLine } from './helpers/otel-logs.js';
import { agentSpans } from './helpers/otel-spans.js';

const DAY = 86_400_000;
const traceExport = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
/** Larger than any export of the other tests. */
const maxBytes = 64 * 1024;
let running: TestHopwatch;
let address: string;

beforeAll(async () => {
  running = await startTestHopwatch({ api: { otlpGrpcPort: 0, ingestMaxBytes: maxBytes } });
  address = `127.0.0.1:${running.hopwatch.otlpGrpcPort()}`;
});

afterAll(async () => {
  await running?.close();
});

function bearerMetadata(token: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

async function exported(
  exporter: {
    export(items: never[], done: (result: { code: ExportResultCode; error?: Error }) => void): void;
    shutdown(): Promise<void>;
  },
  items: unknown[],
) {
  const result = await new Promise<{ code: ExportResultCode; error?: Error }>((resolve) =>
    exporter.export(items as never[], resolve),
  );
  await exporter.shutdown();
  return result;
}

/** One Export call with grpc-js's own client: the raw answer, or the status it failed with. */
function call(path: string, body: Uint8Array, token = running.tokens.ingest): Promise<Buffer | ServiceError> {
  const client = new Client(address, credentials.createInsecure());
  return new Promise((resolve) =>
    client.makeUnaryRequest(
      path,
      (bytes: Uint8Array) => Buffer.from(bytes),
      (bytes: Buffer) => bytes,
      body,
      bearerMetadata(token),
      (error, answer) => {
        client.close();
        resolve(error ?? answer!);
      },
    ),
  );
}

const ingested = () =>
  getJson<{ ingest: { eventsIngested: Record<string, number> } }>(running, '/v1/stats').then(
    (stats) => stats.ingest.eventsIngested,
  );

describe('the OTLP/gRPC receiver', () => {
  it("takes the OpenTelemetry SDK's gRPC trace and log exports", async () => {
    const metadata = bearerMetadata(running.tokens.ingest);
    const traces = new OTLPTraceExporter({ url: `http://${address}`, metadata });
    expect((await exported(traces, await agentSpans())).code).toBe(ExportResultCode.SUCCESS);
    const logs = new OTLPLogExporter({ url: `http://${address}`, metadata });
    expect((await exported(logs, accessLogRecords())).code).toBe(ExportResultCode.SUCCESS);
    expect(await ingested()).toMatchObject({ otlp: 3, envoy: 4 });
    const letters = await getJson<{ items: Array<{ raw: string }> }>(running, '/v1/dead-letters?source=http');
    expect(letters.items.map((letter) => letter.raw)).toEqual([unreadableLine]);
  });

  it('answers what it keeps as a dead letter with a partial success', async () => {
    const ahead = ProtobufTraceSerializer.serializeRequest(await agentSpans(Date.now() + 3 * DAY))!;
    const answer = await call(traceExport, ahead);
    if (!Buffer.isBuffer(answer)) throw answer;
    const response = ProtobufTraceSerializer.deserializeResponse(new Uint8Array(answer));
    expect(Number(response.partialSuccess?.rejectedSpans)).toBe(3);
    expect(response.partialSuccess?.errorMessage).toMatch(/ahead of the clock/);
    const logs = await call(
      '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
      ProtobufLogsSerializer.serializeRequest(accessLogRecords())!,
    );
    if (!Buffer.isBuffer(logs)) throw logs;
    expect(
      Number(
        ProtobufLogsSerializer.deserializeResponse(new Uint8Array(logs)).partialSuccess?.rejectedLogRecords,
      ),
    ).toBe(1);
  });

  it('refuses a call without the ingest token, and one that is no export, with the codes OTLP gives', async () => {
    const body = ProtobufTraceSerializer.serializeRequest(await agentSpans())!;
    expect(await call(traceExport, body, 'not-a-token')).toMatchObject({ code: status.UNAUTHENTICATED });
    expect(await call(traceExport, body, running.tokens.read)).toMatchObject({
      code: status.PERMISSION_DENIED,
    });
    expect(await call(traceExport, new Uint8Array([0x0a, 0xff, 0xff, 0x01]))).toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^not an OTLP ExportTraceServiceRequest: /),
    });
  });

  it('refuses a message larger than api.ingestMaxBytes', async () => {
    const spans = await Promise.all(
      Array.from({ length: 200 }, (_, index) => agentSpans(Date.now() + index)),
    );
    const body = ProtobufTraceSerializer.serializeRequest(spans.flat())!;
    expect(body.length).toBeGreaterThan(maxBytes);
    expect(await call(traceExport, body)).toMatchObject({ code: status.RESOURCE_EXHAUSTED });
  });

  it('is refused at start-up without the http source, whose intake it uses', async () => {
    const parsed = parseConfig({
      sources: ['kafka'],
      kafka: { brokers: ['127.0.0.1:9'], topics: ['t'] },
      api: { otlpGrpcPort: 4317 },
    });
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(await assembleHopwatch(parsed.config, createLogger('silent'))).toEqual({
      ok: false,
      reason: 'config field api.otlpGrpcPort: needs "http" in sources (its intake)',
    });
  });
});
