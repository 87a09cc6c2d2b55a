import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import { decodeRecord } from '../ingest/decode.js';
import { normalizeRecord } from '../ingest/normalize.js';
import { redactRaw } from '../ingest/redact.js';
import { assemble } from '../pipeline/assemble.js';
import { parseConfig } from '../pipeline/load-config.js';
import { MemorySink } from '../pipeline/sinks/memory.js';
import { StdoutSink } from '../pipeline/sinks/stdout.js';
import { queryRows } from './helpers/kafka-ingest.js';
import { sampleLines, sampleNow } from './kits/formats/samples.js';

/** Known secret shapes, each as it would sit in a URL, with the part that must never be kept. */
const shapes = [
  { name: 'a key-named query parameter', query: 'api_key=QsEcReTq1z2x3c4v', secret: 'QsEcReTq1z2x3c4v' },
  {
    name: 'a Google-style key=',
    query: 'key=AIzaSyD4nOtArEaLkEy0123456789abcdefg',
    secret: 'AIzaSyD4nOtArEaLkEy',
  },
  {
    name: 'an AWS presigned-URL signature',
    query:
      'X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20250101&X-Amz-Signature=5d672d79c15b13162d9279b0855cfba6',
    secret: '5d672d79c15b13162d9279b0855cfba6',
  },
  {
    name: 'an Azure SAS signature',
    query: 'sv=2022-11-02&sig=Jk9fS4s%2BSaSsIgNaTuRe%3D',
    secret: 'SaSsIgNaTuRe',
  },
  {
    name: 'a JWT in a query parameter',
    query: 'id=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzaGFwZSJ9.c2hhcGVzaWduYXR1cmU',
    secret: 'c2hhcGVzaWduYXR1cmU',
  },
  {
    name: 'an OpenAI-style key',
    query: 'q=sk-proj-0a1b2c3d4e5f6g7h8i9j0k1l',
    secret: 'sk-proj-0a1b2c3d4e5f6g7h8i9j0k1l',
  },
  {
    name: 'a GitHub token',
    query: 'q=ghp_0123456789abcdefghijklmnopqrstuvwxyz',
    secret: 'ghp_0123456789abcdef',
  },
  { name: 'a Slack token', query: 'q=xoxb-1234567890-abcdefghij', secret: 'xoxb-1234567890-abcdefghij' },
] as const;

const userinfoSecret = 'Us3rInFoPaSs';

/** One real record of each format (fixtures/samples), as the adapters read it. */
const formats = [
  { format: 'canonical', line: sampleLines('canonical-agents.ndjson')[0]! },
  { format: 'envoy', line: sampleLines('envoy-agents.ndjson')[0]! },
  { format: 'envoy', line: sampleLines('istio-json.ndjson')[0]! },
  { format: 'envoy', line: sampleLines('envoy-default-text.log')[0]! },
  { format: 'kong', line: sampleLines('kong-3x-docs.ndjson')[0]! },
  { format: 'nginx', line: sampleLines('nginx-agents.ndjson')[0]! },
  { format: 'traefik', line: sampleLines('traefik-agents.ndjson')[0]! },
  { format: 'apigateway', line: sampleLines('apigateway-agents.ndjson')[0]! },
  { format: 'alb', line: sampleLines('alb-agents.log')[1]! },
  { format: 'apim', line: sampleLines('apim-agents.ndjson')[0]! },
  { format: 'gcp', line: sampleLines('gcp-agents.ndjson')[0]! },
  { format: 'cloudflare', line: sampleLines('cloudflare-agents.ndjson')[0]! },
  { format: 'otlp', line: sampleLines('otlp-agents.ndjson')[0]! },
];

/**
 * The record with every shape appended to its path as a query string, and (in JSON records) its host
 * given userinfo. Paths and hosts are found as the adapter reads them, then replaced in the raw text.
 */
function withSecrets(format: string, line: string): string {
  const read = normalizeRecord(line, { format, now: sampleNow });
  if (!read.ok) throw new Error(`${format}: ${read.reason}`);
  const { path, host } = read.events.find((event) => event.destination.path.length > 1)!.destination;
  const query = shapes.map((shape) => shape.query).join('&');
  let planted = line.split(path).join(`${path}?${query}`);
  if (host !== undefined && line.trimStart().startsWith('{')) {
    planted = planted.split(`"${host}"`).join(`"https://svc:${userinfoSecret}@${host}"`);
  }
  return planted;
}

const secrets = [...shapes.map((shape) => shape.secret), userinfoSecret];

function leaked(text: string): string[] {
  return secrets.filter((secret) => text.includes(secret));
}

const workDir = mkdtempSync(join(tmpdir(), 'hopwatch-secrets-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('secret shapes never kept', () => {
  it.each(shapes)('dead letters drop $name', ({ query, secret }) => {
    expect(redactRaw(`{"truncated": "GET /x?${query}`)).not.toContain(secret);
  });

  it('a dead letter drops URL userinfo', () => {
    expect(redactRaw(`curl https://admin:${userinfoSecret}@api.internal/v1`)).toBe(
      'curl https://[REDACTED]@api.internal/v1',
    );
  });

  it.each(formats)('no $format hop keeps one (path, host, anything else)', ({ format, line }) => {
    const planted = withSecrets(format, line);
    expect(leaked(planted).length).toBeGreaterThanOrEqual(shapes.length);
    const read = normalizeRecord(planted, { format, now: sampleNow });
    if (!read.ok) throw new Error(`${format}: ${read.reason}`);
    expect(leaked(JSON.stringify(read.events))).toEqual([]);
  });

  it('no sink keeps one: store (hops, dead letters, findings), stdout and the webhooks', async () => {
    const parsed = parseConfig({ dataDir: workDir, sinks: ['store'], store: { hopsTtlDays: 3_650 } });
    if (!parsed.ok) throw new Error(parsed.reason);
    const out = new PassThrough();
    let printed = '';
    out.setEncoding('utf8').on('data', (chunk: string) => {
      printed += chunk;
    });
    const webhooks = new MemorySink(true);
    const stdout = new StdoutSink({ findings: true, hops: true }, out);
    const logger = createLogger('silent');
    const assembled = await assemble(
      { ...parsed.config, sources: [] },
      { logger, extraSinks: [stdout, webhooks] },
    );
    if (!assembled.ok) throw new Error(assembled.reason);
    const { pipeline } = assembled;
    const lines = formats.map(({ format, line }) => withSecrets(format, line));
    const broken = `${lines[0]!.slice(0, -20)}`;
    const records = [...lines, broken].map((raw, index) =>
      decodeRecord({ raw, origin: { source: 'file', line: index + 1 } }, sampleNow, logger, {}),
    );
    const outcome = await pipeline.lane('file').submit(records);
    expect(outcome.rejects.map((reject) => reject.index)).toEqual([lines.length]);
    await pipeline.drain();
    await pipeline.close();

    const tables = ['hops', 'dead_letters', 'findings'];
    const stored = await Promise.all(
      tables.map((table) =>
        queryRows(parsed.config, `SELECT * FROM ${parsed.config.store.database}.${table}`),
      ),
    );
    expect(stored[0]!.length).toBeGreaterThanOrEqual(lines.length);
    expect(stored[1]).toHaveLength(1);
    for (const rows of stored) expect(leaked(JSON.stringify(rows))).toEqual([]);
    expect(printed.length).toBeGreaterThan(0);
    expect(leaked(printed)).toEqual([]);
    expect(leaked(JSON.stringify([webhooks.findings, webhooks.hops]))).toEqual([]);
  });
});
