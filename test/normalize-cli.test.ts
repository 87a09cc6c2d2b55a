import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JsonLogsSerializer } from '@opentelemetry/otlp-transformer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hopEventSchema } from '../schemas/hop-event.js';
import { assertBuilt, HOPWATCH_BIN } from './helpers/api-process.js';
import { accessLogRecords, loggedTraceId } from './helpers/otel-logs.js';
import { plantedSecrets } from './kits/formats/planted-secrets.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const samples = join(repo, 'fixtures/samples');
const hostile = join(samples, 'hostile');
const sampleFiles = readdirSync(samples)
  .filter((name) => name.endsWith('.ndjson') || name.endsWith('.log'))
  .map((name) => join(samples, name));
const hostileFiles = readdirSync(hostile).map((name) => join(hostile, name));

type Run = { code: number | null; stdout: string; stderr: string };

function hopwatch(args: string[], input?: string | Buffer): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HOPWATCH_BIN, ...args], { cwd: repo });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() }),
    );
    child.stdin.end(input);
  });
}

const nonEmptyLines = (text: string) => text.split('\n').filter((line) => line.trim().length > 0);
const jsonLines = (text: string) =>
  nonEmptyLines(text).map((line) => JSON.parse(line) as Record<string, unknown>);

let scratch: string;

beforeAll(() => {
  assertBuilt();
  scratch = mkdtempSync(join(tmpdir(), 'hopwatch-normalize-'));
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// Each run pays the CLI's start-up (every subcommand's imports); independent runs overlap to keep the file quick.
describe.concurrent('hopwatch normalize', () => {
  it('turns every real and recommended-config sample into valid HopEvents, one per request at least', async () => {
    const run = await hopwatch(['normalize', ...sampleFiles]);
    expect(run.code).toBe(0);
    const events = nonEmptyLines(run.stdout);
    for (const line of events) expect(hopEventSchema.safeParse(JSON.parse(line)).success).toBe(true);
    const records = sampleFiles.reduce(
      (count, file) => count + nonEmptyLines(readFileSync(file, 'utf8')).length,
      0,
    );
    expect(jsonLines(run.stderr)).toEqual([{ records, events: events.length, rejected: 0 }]);
    expect(events.length).toBeGreaterThanOrEqual(records);
  });

  it('survives the hostile samples: exit 0, valid events, one rejection line per bad record naming file and line', async () => {
    const run = await hopwatch(['normalize', ...hostileFiles]);
    expect(run.code).toBe(0);
    for (const line of nonEmptyLines(run.stdout))
      expect(hopEventSchema.safeParse(JSON.parse(line)).success).toBe(true);
    const reports = jsonLines(run.stderr);
    const summary = reports.pop();
    expect(reports.length).toBe(summary?.rejected);
    expect(reports.length).toBeGreaterThan(20);
    for (const report of reports) {
      expect(report).toEqual({
        line: expect.any(Number),
        file: expect.stringContaining('hostile'),
        reason: expect.any(String),
      });
    }
  });

  it('never writes a planted token or API key to stdout or stderr', async () => {
    const all = [...sampleFiles, ...hostileFiles];
    const planted = all.map((file) => readFileSync(file, 'latin1')).join('\n');
    for (const secret of plantedSecrets) expect(planted).toContain(secret);
    const fromFiles = await hopwatch(['normalize', ...all]);
    const fromStdin = await hopwatch(['normalize'], planted);
    for (const run of [fromFiles, fromStdin]) {
      expect(run.code).toBe(0);
      for (const secret of plantedSecrets) {
        expect(run.stdout).not.toContain(secret);
        expect(run.stderr).not.toContain(secret);
      }
    }
  });

  it("reads an OTLP/JSON log export line as its log records' lines, each rejection on the export's line", async () => {
    const exported = new TextDecoder().decode(JsonLogsSerializer.serializeRequest(accessLogRecords()));
    const run = await hopwatch(['normalize'], `${exported}\n`);
    expect(run.code).toBe(0);
    const events = jsonLines(run.stdout);
    expect(events.map((event) => (event.origin as { format: string }).format)).toEqual([
      'envoy',
      'envoy',
      'envoy',
      'envoy',
    ]);
    expect(events[0]!.traceId).toBe(loggedTraceId);
    expect(jsonLines(run.stderr)).toEqual([
      { line: 1, reason: 'text line of no known format' },
      expect.objectContaining({ records: 5, events: 4, rejected: 1 }),
    ]);
  });

  it('exits 0 on input that is not a log at all, reporting the rejection on stderr', async () => {
    const run = await hopwatch(['normalize'], 'not json\n');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(jsonLines(run.stderr)).toEqual([
      { line: 1, reason: 'text line of no known format' },
      { records: 1, events: 0, rejected: 1 },
    ]);
  });

  it('rejects an over-long line unread and carries on with the next, CRLF and no final newline included', async () => {
    const file = join(scratch, 'long.log');
    const envoyLine = readFileSync(join(samples, 'envoy-default-text.log'), 'utf8').trim();
    writeFileSync(file, `${envoyLine}\r\n{"pad":"${'x'.repeat(1_200_000)}"}\r\n${envoyLine}`);
    const run = await hopwatch(['normalize', file]);
    expect(run.code).toBe(0);
    expect(nonEmptyLines(run.stdout)).toHaveLength(2);
    expect(jsonLines(run.stderr)).toEqual([
      { line: 2, file, reason: 'record is longer than 1048576 bytes' },
      { records: 3, events: 2, rejected: 1 },
    ]);
    const strict = await hopwatch(['normalize', '--max-record-bytes', '100', file]);
    expect(jsonLines(strict.stderr).pop()).toEqual({ records: 3, events: 0, rejected: 3 });
  });

  it('reads the named format only when --format is given', async () => {
    const kong = readFileSync(join(samples, 'kong-3x-docs.ndjson'));
    expect(jsonLines((await hopwatch(['normalize', '--format', 'kong'], kong)).stderr)).toEqual([
      { records: 1, events: 1, rejected: 0 },
    ]);
    const asEnvoy = await hopwatch(['normalize', '--format', 'envoy'], kong);
    expect(asEnvoy.code).toBe(0);
    expect(jsonLines(asEnvoy.stderr)).toEqual([
      { line: 1, reason: 'envoy: start_time is missing' },
      { records: 1, events: 0, rejected: 1 },
    ]);
  });

  it.each([
    ['an unknown format', ['--format', 'syslog']],
    ['a missing file', [join(repo, 'fixtures/no-such-file.log')]],
    ['a directory', [samples]],
    ['a bad size limit', ['--max-record-bytes', 'lots']],
  ])('exits 2 on a usage error: %s', async (_, args) => {
    const run = await hopwatch(['normalize', ...args], '');
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.length).toBeGreaterThan(0);
  });
});
