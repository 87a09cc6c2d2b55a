import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceTree } from '../api/lineage-tree.js';
import type { IngestResult } from '../api/schemas.js';
import type { Finding } from '../schemas/finding.js';
import {
  assertBuilt,
  freePort,
  type HopwatchProcess,
  spawnHopwatch,
  waitUntilHealthy,
} from './helpers/api-process.js';

/** Canonical, Kong, OTLP and Envoy records (fixtures/e2e/README.md), written fresh so hops are inside the TTL. */
const GENERATOR = fileURLToPath(new URL('../fixtures/e2e/generate.mjs', import.meta.url));
const FANOUT_ORIGIN = 'jwt:https://idp.example|research-agent';
const LOOP_ORIGIN = 'enduser:ops-planner@corp.example';
const BENIGN = [
  'jwt:https://idp.example|support-bot',
  'kong-consumer:nightly-sync',
  'enduser:sre-bot@corp.example',
];
const FANOUT_TRACE = '237e50bd08902680581b94c037910600';

let dataDir: string;
let fixture: string;
let baseUrl: string;
let port: number;
let running: HopwatchProcess | undefined;

async function startHopwatch(): Promise<HopwatchProcess> {
  const process = spawnHopwatch(['run'], {
    HOPWATCH_PORT: String(port),
    HOPWATCH_DATA_DIR: dataDir,
    HOPWATCH_LOG_LEVEL: 'info',
  });
  await waitUntilHealthy(process, baseUrl);
  return process;
}

async function stop(process: HopwatchProcess): Promise<number | null> {
  process.child.kill('SIGTERM');
  return process.exited;
}

async function findings(): Promise<Finding[]> {
  const response = await fetch(`${baseUrl}/v1/findings?limit=1000`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: Finding[] }).items;
}

beforeAll(async () => {
  assertBuilt();
  dataDir = mkdtempSync(join(tmpdir(), 'hopwatch-e2e-'));
  fixture = join(mkdtempSync(join(tmpdir(), 'hopwatch-e2e-fixture-')), 'mixed.ndjson');
  execFileSync(process.execPath, [GENERATOR, '--out', fixture]);
  port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  running = await startHopwatch();
});

afterAll(async () => {
  if (running !== undefined && running.child.exitCode === null) await stop(running);
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(dirname(fixture), { recursive: true, force: true });
});

describe('hopwatch run, end to end', () => {
  it('says where it listens and where the data lives, and that it is open on loopback only', () => {
    const startLine = running!
      .stderr()
      .split('\n')
      .find((line) => line.includes('"msg":"hopwatch listening'));
    expect(startLine).toBeDefined();
    const start = JSON.parse(startLine!);
    expect(start.url).toBe(baseUrl);
    expect(start.dataDir).toBe(dataDir);
    expect(start.msg).toContain('only loopback');
  });

  it('takes a mixed-format file over HTTP and finds the fan-out and the A→B→A loop, nothing benign', async () => {
    const response = await fetch(`${baseUrl}/v1/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: readFileSync(fixture),
    });
    expect(response.status).toBe(200);
    const result = (await response.json()) as IngestResult;
    expect(result).toMatchObject({ accepted: 52, rejected: 1, events: 55 });
    expect(result.rejects).toEqual([{ line: 52, reason: expect.stringContaining('not valid JSON') }]);

    const found = await findings();
    expect(found.some((f) => f.detector === 'fanout' && f.originCredential === FANOUT_ORIGIN)).toBe(true);
    expect(found.some((f) => f.detector === 'recursion' && f.originCredential === LOOP_ORIGIN)).toBe(true);
    expect(found.filter((finding) => BENIGN.includes(finding.originCredential))).toEqual([]);
  });

  it('returns the fan-out trace as a tree with inferred edges under the broker call', async () => {
    const response = await fetch(`${baseUrl}/v1/traces/${FANOUT_TRACE}`);
    expect(response.status).toBe(200);
    const tree = (await response.json()) as TraceTree;
    expect(tree.hopCount).toBe(41);
    expect(tree.roots).toHaveLength(1);
    const [root] = tree.roots;
    expect(root?.hop.destination.service).toContain('tool-broker');
    expect(root?.children).toHaveLength(40);
    expect(root?.children.every((child) => child.inferred)).toBe(true);
  });

  it('counts on /metrics what was sent', async () => {
    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    expect(metrics).toContain('hopwatch_records_received_total{source="http"} 53');
    expect(metrics).toContain('hopwatch_records_rejected_total{source="http"} 1');
    expect(metrics).toContain('hopwatch_events_ingested_total{format="envoy"} 41');
    expect(metrics).toContain('hopwatch_events_ingested_total{format="kong"} 5');
    expect(metrics).toContain('hopwatch_events_ingested_total{format="otlp"} 5');
    expect(metrics).toContain('hopwatch_events_ingested_total{format="canonical"} 4');
    expect(metrics).toMatch(/hopwatch_findings_total\{detector="fanout"\} [1-9]/);
  });

  it('exits 0 on SIGTERM and finds its findings again after a restart on the same data directory', async () => {
    const before = (await findings()).map((finding) => finding.id).sort();
    expect(await stop(running!)).toBe(0);
    expect(running!.stderr()).toContain('stopped');

    running = await startHopwatch();
    const after = (await findings()).map((finding) => finding.id);
    expect(after).toEqual(expect.arrayContaining(before));
    const ready = await fetch(`${baseUrl}/readyz`);
    expect(ready.status).toBe(200);
  });
});
