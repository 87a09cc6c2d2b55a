import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assemble } from '../pipeline/assemble.js';
import { detectFiles } from '../pipeline/detect.js';
import { MemorySink } from '../pipeline/sinks/memory.js';
import { bearer, getJson, postBody, startTestHopwatch, type TestHopwatch } from './helpers/api.js';
import { silent, testConfig } from './helpers/kafka-ingest.js';
import { accessLogRecords, loggedTraceId, logRecordsOf, unreadableLine } from './helpers/otel-logs.js';
import { fixedClock } from './kits/detectors/run.js';

let running: TestHopwatch;

beforeAll(async () => {
  running = await startTestHopwatch();
});

afterAll(async () => {
  await running?.close();
});

/** The OpenTelemetry SDK's own OTLP/HTTP protobuf log exporter, pointed at hopwatch. */
async function exportWithSdk(records: ReadableLogRecord[], token: string) {
  const exporter = new OTLPLogExporter({ url: `${running.url}/v1/logs`, headers: bearer(token) });
  const result = await new Promise<{ code: ExportResultCode; error?: Error }>((resolve) =>
    exporter.export(records, resolve),
  );
  await exporter.shutdown();
  return result;
}

function post(path: string, body: Uint8Array | string, contentType: string, token = running.tokens.ingest) {
  return postBody(running, path, body, contentType, token);
}

const get = <T>(path: string) => getJson<T>(running, path);

const ingestedByFormat = async () =>
  JSON.stringify((await get<{ ingest: unknown }>('/v1/stats')).ingest).match(/"envoy":(\d+)/)?.[1];

describe('POST /v1/logs (OTLP/HTTP log exports of access logs)', () => {
  const records = accessLogRecords();

  it("reads each log record of the SDK's protobuf export as its access log line", async () => {
    expect((await exportWithSdk(records, running.tokens.ingest)).code).toBe(ExportResultCode.SUCCESS);
    // Istio's two text lines, a map body and attributes with no body: four Envoy records.
    expect(await ingestedByFormat()).toBe('4');
    const letters = await get<{ items: Array<{ reason: string; raw: string; line: number | null }> }>(
      '/v1/dead-letters?source=http',
    );
    expect(letters.items).toHaveLength(1);
    expect(letters.items[0]).toMatchObject({ raw: unreadableLine, reason: 'text line of no known format' });
  });

  it('answers a log record it cannot read as partial success, in the encoding of the request', async () => {
    const protobuf = await post(
      '/v1/logs',
      ProtobufLogsSerializer.serializeRequest(records)!,
      'application/x-protobuf',
    );
    expect(protobuf.status).toBe(200);
    const answer = ProtobufLogsSerializer.deserializeResponse(new Uint8Array(await protobuf.arrayBuffer()));
    expect(Number(answer.partialSuccess?.rejectedLogRecords)).toBe(1);
    expect(answer.partialSuccess?.errorMessage).toBe('text line of no known format');
    const json = await post('/v1/logs', JsonLogsSerializer.serializeRequest(records)!, 'application/json');
    expect(await json.json()).toEqual({
      partialSuccess: { rejectedLogRecords: 1, errorMessage: 'text line of no known format' },
    });
  });

  it('takes an export of hundreds of log records a batch at a time, the rejected one counted wherever it is', async () => {
    const mixed = readFileSync('fixtures/traffic/mixed-formats.ndjson', 'utf8').trimEnd().split('\n');
    const lines = [...mixed, ...mixed.slice(0, 100), unreadableLine];
    expect(lines.length).toBeGreaterThan(256);
    const response = await post(
      '/v1/logs',
      JsonLogsSerializer.serializeRequest(logRecordsOf(lines))!,
      'application/json',
    );
    expect(await response.json()).toEqual({
      partialSuccess: { rejectedLogRecords: 1, errorMessage: 'text line of no known format' },
    });
    const letters = await get<{ items: Array<{ raw: string; line: number }> }>(
      '/v1/dead-letters?source=http&limit=1',
    );
    expect(letters.items[0]).toMatchObject({ raw: unreadableLine, line: lines.length });
  });

  it('reads an OTLP/JSON log export posted to /v1/ingest too, as a JSON body or a line', async () => {
    const exported = new TextDecoder().decode(JsonLogsSerializer.serializeRequest(records));
    for (const contentType of ['application/json', 'application/x-ndjson']) {
      const response = await post('/v1/ingest', `${exported}\n`, contentType);
      expect(await response.json(), contentType).toMatchObject({
        accepted: 4,
        rejected: 1,
        rejects: [{ line: 1, reason: 'text line of no known format' }],
      });
    }
  });

  it('answers 400 for a body that is not a log export, 403 without the ingest scope', async () => {
    const garbage = await post(
      '/v1/logs',
      new Uint8Array([0x0a, 0xff, 0xff, 0x01]),
      'application/x-protobuf',
    );
    expect(garbage.status).toBe(400);
    expect(((await garbage.json()) as { message: string }).message).toMatch(
      /^not an OTLP ExportLogsServiceRequest: /,
    );
    const spans = await post('/v1/logs', '{"resourceSpans": []}', 'application/json');
    expect(((await spans.json()) as { message: string }).message).toBe(
      'not an OTLP/JSON ExportLogsServiceRequest: no resourceLogs',
    );
    expect(
      (await post('/v1/logs', new Uint8Array(), 'application/x-protobuf', running.tokens.read)).status,
    ).toBe(403);
  });
});

describe("hopwatch detect over OTLP/JSON log exports (the Collector's file exporter)", () => {
  const workDir = mkdtempSync(join(tmpdir(), 'hopwatch-otlp-logs-'));
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  async function findingIds(file: string) {
    const sink = new MemorySink(true);
    const config = testConfig({ sinks: [], detectors: { rate: { maxRequestsPerOrigin: 100 } } });
    const assembled = await assemble(
      { ...config, sources: [] },
      { logger: silent, extraSinks: [sink], now: fixedClock },
    );
    if (!assembled.ok) throw new Error(assembled.reason);
    const summary = await detectFiles([file], assembled.pipeline.lane('file'), { logger: silent });
    return { summary, ids: sink.findings.map((finding) => finding.id).sort(), hops: sink.hops };
  }

  it('finds in the log records of every format what it finds in the same lines on their own', async () => {
    const plain = 'fixtures/traffic/mixed-formats.ndjson';
    const lines = readFileSync(plain, 'utf8').trimEnd().split('\n');
    const exported = join(workDir, 'logs.json');
    const exports: string[] = [];
    for (let start = 0; start < lines.length; start += 40) {
      const records = logRecordsOf(lines.slice(start, start + 40));
      exports.push(new TextDecoder().decode(JsonLogsSerializer.serializeRequest(records)));
    }
    writeFileSync(exported, `${exports.join('\n')}\n`);
    const expected = await findingIds(plain);
    const read = await findingIds(exported);
    expect(expected.ids.length).toBeGreaterThan(5);
    expect(read.ids).toEqual(expected.ids);
    expect(read.summary).toMatchObject({
      records: lines.length,
      rejected: 0,
      events: expected.summary.events,
    });
  });

  it('gives hops whose line names no trace the trace of their log record', async () => {
    const exported = join(workDir, 'istio.json');
    writeFileSync(
      exported,
      `${new TextDecoder().decode(JsonLogsSerializer.serializeRequest(accessLogRecords()))}\n`,
    );
    const { hops } = await findingIds(exported);
    // Istio's two text lines are one call seen by both sidecars: one hop, in the logged trace.
    expect(hops.filter((hop) => hop.traceId === loggedTraceId)).toHaveLength(1);
    expect(hops.filter((hop) => hop.traceId === undefined)).toHaveLength(2);
  });
});
