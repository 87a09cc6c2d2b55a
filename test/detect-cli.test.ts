import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { detectorNames } from '../detectors/index.js';
import { assemble } from '../pipeline/assemble.js';
import { detectFiles } from '../pipeline/detect.js';
import { loadConfig } from '../pipeline/load-config.js';
import { MemorySink } from '../pipeline/sinks/memory.js';
import { openStore } from '../store/index.js';
import { testConfig } from './helpers/kafka-ingest.js';
import { leakedKey, mixedFormatLines, mixedTraceIds, probeKey } from './kits/detectors/mixed-formats.js';
import { fixedClock } from './kits/detectors/run.js';

const fixture = 'fixtures/traffic/mixed-formats.ndjson';
const workDir = mkdtempSync(join(tmpdir(), 'hopwatch-detect-'));
const lowRateConfig = join(workDir, 'low-rate.yaml');
writeFileSync(lowRateConfig, 'detectors:\n  rate:\n    maxRequestsPerOrigin: 100\n');

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function hopwatch(args: string[], input?: string) {
  // The embedded store, even when CLICKHOUSE_URL points the store suites at a server.
  const { CLICKHOUSE_URL: _server, ...env } = process.env;
  const run = spawnSync(process.execPath, ['bin/hopwatch.js', 'detect', ...args], {
    input,
    encoding: 'utf8',
    env,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('hopwatch detect', () => {
  it('ships the mixed-format fixture exactly as its generator writes it', () => {
    expect(readFileSync(fixture, 'utf8')).toBe(`${mixedFormatLines().join('\n')}\n`);
  });

  it('finds the attack carried by each format, and the one crossing formats, in one mixed stream', async () => {
    const sink = new MemorySink(true);
    const config = testConfig({ sinks: [], detectors: { rate: { maxRequestsPerOrigin: 100 } } });
    const logger = pino({ level: 'silent' });
    const assembled = await assemble(
      { ...config, sources: [] },
      { logger, extraSinks: [sink], now: fixedClock },
    );
    if (!assembled.ok) throw new Error(assembled.reason);
    const summary = await detectFiles([fixture], assembled.pipeline.lane('file'), { logger });
    expect(summary).toMatchObject({ rejected: 0, lateEvents: 0 });
    const found = sink.findings.map((finding) => `${finding.detector}/${finding.rule}`).sort();
    expect(found).toEqual([
      'rate/auth_failure_burst',
      'rate/origin_rate',
      'recursion/cycle',
      'recursion/depth',
      'scope_expansion/privilege_gain',
      'scope_expansion/write_under_read_only',
      'scope_expansion/write_under_read_only',
    ]);
    const flood = sink.findings.find((finding) => finding.rule === 'origin_rate')!;
    expect(flood.originCredential).toMatch(/^key:[0-9a-f]{16}$/);
    expect(flood.evidence).toMatchObject({ requests: 150 });
    const loop = sink.findings.find((finding) => finding.rule === 'cycle')!;
    expect(loop.traceIds).toEqual([mixedTraceIds.pingPong]);
    const crossing = sink.findings.find(
      (finding) =>
        finding.rule === 'write_under_read_only' && finding.traceIds[0] === mixedTraceIds.crossFormat,
    )!;
    expect(crossing.originCredential).toBe('jwt:https://idp.example.com|docs-agent');
    expect(crossing.evidence).toMatchObject({ inferredEdges: 1, originScopes: ['docs:read', 'search:read'] });
    const resolvedChild = sink.hops.find(
      (hop) => hop.traceId === mixedTraceIds.crossFormat && hop.depth === 1,
    );
    expect(resolvedChild).toMatchObject({ parentInferred: true, originConfidence: 'exact' });
  });

  it('prints one finding per line, a summary on stderr, and never a secret it read', () => {
    const run = hopwatch(['--config', lowRateConfig, fixture]);
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(7);
    for (const line of lines) expect(JSON.parse(line)).toHaveProperty('id');
    expect(run.stderr).toContain('185 records');
    expect(run.stderr).toContain('7 findings (fanout 0, recursion 2, scope_expansion 3, rate 2)');
    expect(run.stdout + run.stderr).not.toContain(leakedKey);
    expect(run.stdout + run.stderr).not.toContain(probeKey);
  });

  it('gives the same finding ids when the same input is run twice', () => {
    const ids = () =>
      hopwatch(['--config', lowRateConfig, fixture])
        .stdout.trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { id: string }).id);
    expect(ids()).toEqual(ids());
  });

  it('reads a gzip file (its name ends in .gz) as the file it inflates to', () => {
    const gzipped = join(workDir, 'mixed-formats.ndjson.gz');
    writeFileSync(gzipped, gzipSync(readFileSync(fixture)));
    const run = (file: string) => {
      const { status, stdout, stderr } = hopwatch(['--config', lowRateConfig, file]);
      const ids = stdout
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { id: string }).id);
      return { status, ids, stderr };
    };
    const plain = run(fixture);
    expect(plain.ids.length).toBeGreaterThan(5);
    expect(run(gzipped)).toEqual(plain);
  });

  it('says how many windows it judged early when more were open than detectors.maxOpenWindows', () => {
    const smallCap = join(workDir, 'small-cap.yaml');
    writeFileSync(smallCap, 'detectors:\n  maxOpenWindows: 5\n');
    const capped = hopwatch(['--config', smallCap, fixture]);
    expect(capped.status).toBe(0);
    const said = capped.stderr.match(
      /, ([1-9]\d*) windows judged early \(([^;]+); more open than detectors\.maxOpenWindows\)/,
    );
    expect(said).not.toBeNull();
    // Per detector, each named once and only when it judged some early; together the total.
    const perDetector = said![2]!.split(', ').map((part) => part.split(' '));
    for (const [name, count] of perDetector) {
      expect(detectorNames).toContain(name);
      expect(Number(count)).toBeGreaterThan(0);
    }
    expect(new Set(perDetector.map(([name]) => name)).size).toBe(perDetector.length);
    expect(perDetector.reduce((sum, [, count]) => sum + Number(count), 0)).toBe(Number(said![1]));
    expect(hopwatch([fixture]).stderr).not.toContain('judged early');
  });

  it('reads standard input, counts records it cannot read, and still exits 0', () => {
    const run = hopwatch([], '{"not":"a hop"}\nnot json at all\n\n');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('2 records, 0 events, 2 rejected');
    expect(run.stderr).toContain('(first at stdin:1)');
  });

  it('stops with exit 2 and names the field of a bad configuration file', () => {
    const badConfig = join(workDir, 'bad.yaml');
    writeFileSync(badConfig, 'detectors:\n  fanout:\n    maxDescendants: -3\n');
    const run = hopwatch(['--config', badConfig, fixture]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('config field detectors.fanout.maxDescendants');
    expect(run.stdout).toBe('');
  });

  it('--store writes the hops, the findings and the rejected lines to the store, once across two runs', async () => {
    const dataDir = join(workDir, 'store-data');
    const storeConfig = join(workDir, 'store.yaml');
    writeFileSync(
      storeConfig,
      `dataDir: ${JSON.stringify(dataDir)}\nlogLevel: warn\nstore:\n  hopsTtlDays: 3650\n` +
        'detectors:\n  rate:\n    maxRequestsPerOrigin: 100\n',
    );
    const input = join(workDir, 'with-a-bad-line.ndjson');
    writeFileSync(input, `${readFileSync(fixture, 'utf8')}{"truncated": \n`);
    const first = hopwatch(['--store', '--config', storeConfig, input]);
    const second = hopwatch(['--store', '--config', storeConfig, input]);
    expect([first.status, second.status]).toEqual([0, 0]);
    const printed = first.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string });
    expect(printed).toHaveLength(7);
    const loaded = loadConfig(storeConfig, {});
    if (!loaded.ok) throw new Error(loaded.reason);
    const store = await openStore(loaded.config, pino({ level: 'silent' }));
    try {
      const page = await store.reader.listFindings({}, 100, null);
      expect(page.items.map((finding) => finding.id).sort()).toEqual(
        printed.map((finding) => finding.id).sort(),
      );
      const stats = await store.reader.stats();
      expect(stats).toMatchObject({ findings: 7, deadLetters: 2 });
      expect(stats.hops).toBeGreaterThan(180);
      const hops = await store.reader.traceHops(mixedTraceIds.pingPong);
      expect(hops.length).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });

  it('--store says how many hops of replayed history were past the retention and not stored', () => {
    const storeConfig = join(workDir, 'default-ttl.yaml');
    writeFileSync(storeConfig, `dataDir: ${JSON.stringify(join(workDir, 'default-ttl'))}\nlogLevel: warn\n`);
    const run = hopwatch(['--store', '--config', storeConfig, fixture]);
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(
      / 194 hops were not stored: their event time is more than store\.hopsTtlDays \(30\) days ago/,
    );
  });

  it('exits 2 on an unknown format or a missing file', () => {
    expect(hopwatch(['--format', 'syslog', fixture]).status).toBe(2);
    expect(hopwatch(['no-such-file.ndjson']).status).toBe(2);
  });
});
