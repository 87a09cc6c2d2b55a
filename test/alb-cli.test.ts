import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';

const workDir = mkdtempSync(join(tmpdir(), 'hopwatch-alb-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const start = Date.parse('2025-12-01T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');
const targetGroup = (name: string) =>
  `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/${name}/73e2d6bc24d8a067`;

type Entry = {
  at: number;
  ms: number;
  client: string;
  status: number;
  url: string;
  group?: string;
  root: string;
};

/** One entry as an Application Load Balancer writes it, in AWS's field order. */
function albEntry({ at, ms, client, status, url, group, root }: Entry): string {
  const tg = group === undefined ? '-' : targetGroup(group);
  return [
    `https ${iso(at + ms)} app/agents-alb/3f8e2a1b9c0d4e5f ${client}:41822 ${group === undefined ? '-' : '10.0.2.31:8080'}`,
    `0.000 ${(ms / 1000).toFixed(3)} 0.000 ${status} ${group === undefined ? '-' : status} 220 318`,
    `"POST ${url} HTTP/1.1" "planner-agent/1.4.2 python-httpx/0.27.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 ${tg}`,
    `"Root=${root}" "tools.acme.example" "-" 10 ${iso(at)} "forward" "-" "-" "-" "-" "-" "-" TID_0a1b "-" "-" "-"`,
  ].join(' ');
}

/**
 * An agent runtime behind the load balancer takes one task and, while it runs (4.5 s, within
 * lineage.graceMs: the task's entry is written when it ends, after its tools'), calls 40 tools through
 * the same load balancer, passing X-Amzn-Trace-Id on; another client is turned away 30 times in a minute.
 */
function s3LogFile(): string {
  const root = '1-6759a000-3f2e1d0c9b8a7f6e5d4c3b2a';
  const task: Entry = {
    at: start,
    ms: 4_500,
    client: '10.0.1.15',
    status: 200,
    url: 'https://agents.acme.example:443/v1/tasks',
    group: 'agent-runtime',
    root,
  };
  const tools = Array.from({ length: 40 }, (_, index) => ({
    at: start + 200 + index * 100,
    ms: 80,
    client: '10.0.3.9',
    status: 200,
    url: `https://tools.acme.example:443/v1/tools/t${index % 12}?api_key=sk-live-4f9a8b7c6d5e4f3a2b1c0d9e`,
    group: `tool-${index % 12}`,
    root,
  }));
  const refused = Array.from({ length: 30 }, (_, index) => ({
    at: start + 2_000 + index * 1_500,
    ms: 1,
    client: '198.51.100.7',
    status: 401,
    url: 'https://tools.acme.example:443/v1/admin/keys',
    root: `1-6759a001-${index.toString(16).padStart(24, '0')}`,
  }));
  // The load balancer writes each entry when its response went out.
  const entries = [task, ...tools, ...refused].sort((a, b) => a.at + a.ms - (b.at + b.ms));
  const file = join(
    workDir,
    '123456789012_elasticloadbalancing_us-east-1_app.agents-alb.3f8e2a1b9c0d4e5f_20251201T1005Z_10.0.0.1_2u1x9b3j.log.gz',
  );
  writeFileSync(file, gzipSync(`${entries.map(albEntry).join('\n')}\n`));
  return file;
}

describe('hopwatch detect over an ALB access log file as S3 holds it', () => {
  it('groups hops by their X-Ray root and keys them by client address', () => {
    const { CLICKHOUSE_URL: _server, ...env } = process.env;
    const run = spawnSync(process.execPath, ['bin/hopwatch.js', 'detect', s3LogFile()], {
      encoding: 'utf8',
      env,
    });
    expect(run.stderr).toContain('71 records, 71 events, 0 rejected');
    const findings = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { detector: string; rule: string; originCredential: string });
    // The 40 tools hang under the task: one fan-out, of the task's caller; the refusals are one burst.
    expect(
      findings.map(({ detector, rule, originCredential }) => [detector, rule, originCredential]).sort(),
    ).toEqual([
      ['fanout', 'fanout_limit', 'anonymous:10.0.1.15'],
      ['rate', 'auth_failure_burst', 'anonymous:198.51.100.7'],
    ]);
    expect(run.stdout).not.toContain('sk-live');
  });
});
