import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';

const workDir = mkdtempSync(join(tmpdir(), 'hopwatch-cloud-logs-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const start = Date.parse('2025-12-01T10:00:00Z');
const microseconds = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');

/** One request as the load balancer saw it; `service` absent: it answered itself. */
type Request = { at: number; ms: number; client: string; status: number; url: string; service?: string };

/**
 * An agent runtime behind the load balancer takes one task and, while it runs (4.5 s, within
 * lineage.graceMs: the task's entry is written when it ends, after its tools'), calls 40 tools through
 * the same load balancer in the task's trace; another client is turned away 30 times in a minute.
 */
function traffic(): { traced: Request[]; refused: Request[] } {
  const task = {
    at: start,
    ms: 4_500,
    client: '10.0.1.15',
    status: 200,
    url: 'https://agents.acme.example:443/v1/tasks',
    service: 'agent-runtime',
  };
  const tools = Array.from({ length: 40 }, (_, index) => ({
    at: start + 200 + index * 100,
    ms: 80,
    client: '10.0.3.9',
    status: 200,
    url: `https://tools.acme.example:443/v1/tools/t${index % 12}?api_key=sk-live-4f9a8b7c6d5e4f3a2b1c0d9e`,
    service: `tool-${index % 12}`,
  }));
  const refused = Array.from({ length: 30 }, (_, index) => ({
    at: start + 2_000 + index * 1_500,
    ms: 1,
    client: '198.51.100.7',
    status: 401,
    url: 'https://tools.acme.example:443/v1/admin/keys',
  }));
  return { traced: [task, ...tools], refused };
}

/** As the load balancers write them: when each response went out. */
const byResponse = (requests: Request[]) => [...requests].sort((a, b) => a.at + a.ms - (b.at + b.ms));

/** An Application Load Balancer entry, in AWS's field order; `root` is the X-Ray trace root. */
function albEntry({ at, ms, client, status, url, service }: Request, root: string): string {
  const group =
    service === undefined
      ? '-'
      : `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/${service}/73e2d6bc24d8a067`;
  return [
    `https ${microseconds(at + ms)} app/agents-alb/3f8e2a1b9c0d4e5f ${client}:41822 ${service === undefined ? '-' : '10.0.2.31:8080'}`,
    `0.000 ${(ms / 1000).toFixed(3)} 0.000 ${status} ${service === undefined ? '-' : status} 220 318`,
    `"POST ${url} HTTP/1.1" "planner-agent/1.4.2 python-httpx/0.27.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 ${group}`,
    `"Root=${root}" "tools.acme.example" "-" 10 ${microseconds(at)} "forward" "-" "-" "-" "-" "-" "-" TID_0a1b "-" "-" "-"`,
  ].join(' ');
}

/** A Cloud Run request log entry (Cloud Logging's LogEntry); `trace` is the W3C trace id. */
function cloudRunEntry(
  { at, ms, client, status, url, service }: Request,
  trace: string,
  index: number,
): string {
  return JSON.stringify({
    httpRequest: {
      requestMethod: 'POST',
      requestUrl: url,
      requestSize: '220',
      status,
      responseSize: '318',
      userAgent: 'planner-agent/1.4.2 python-httpx/0.27.0',
      remoteIp: client,
      latency: `${ms / 1000}s`,
    },
    insertId: `entry-${index}`,
    resource: {
      type: 'cloud_run_revision',
      labels: { project_id: 'acme-agents', service_name: service ?? 'gateway' },
    },
    timestamp: new Date(at).toISOString(),
    logName: 'projects/acme-agents/logs/run.googleapis.com%2Frequests',
    trace: `projects/acme-agents/traces/${trace}`,
  });
}

/** `hopwatch detect` over `lines` written to `file`, gzip'd, or as `content` when given. */
function detect(file: string, lines: string[], content = gzipSync(`${lines.join('\n')}\n`)) {
  writeFileSync(file, content);
  const { CLICKHOUSE_URL: _server, ...env } = process.env;
  const run = spawnSync(process.execPath, ['bin/hopwatch.js', 'detect', file], { encoding: 'utf8', env });
  expect(run.stderr).toContain(`${lines.length} records, ${lines.length} events, 0 rejected`);
  expect(run.stdout).not.toContain('sk-live');
  return run.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { detector: string; rule: string; originCredential: string })
    .map(({ detector, rule, originCredential }) => [detector, rule, originCredential])
    .sort();
}

// The 40 tools hang under the task: one fan-out, of the task's caller; the refusals are one burst.
const expected = [
  ['fanout', 'fanout_limit', 'anonymous:10.0.1.15'],
  ['rate', 'auth_failure_burst', 'anonymous:198.51.100.7'],
];

describe('hopwatch detect over load balancer logs of agent traffic', () => {
  it('reads an ALB log file as S3 holds it: hops grouped by X-Ray root, keyed by client address', () => {
    const { traced, refused } = traffic();
    const rootOf = (request: Request) =>
      traced.includes(request)
        ? '1-6759a000-3f2e1d0c9b8a7f6e5d4c3b2a'
        : `1-6759a001-${request.at.toString(16).padStart(24, '0')}`;
    const lines = byResponse([...traced, ...refused]).map((request) => albEntry(request, rootOf(request)));
    const file = join(
      workDir,
      '123456789012_elasticloadbalancing_us-east-1_app.agents-alb.3f8e2a1b9c0d4e5f_20251201T1005Z_10.0.0.1_2u1x9b3j.log.gz',
    );
    expect(detect(file, lines)).toEqual(expected);
  });

  it('reads Cloud Run request logs as a Log Router sink writes them: hops grouped by Cloud Trace', () => {
    const { traced, refused } = traffic();
    const traceOf = (request: Request) =>
      traced.includes(request)
        ? '4bf92f3577b34da6a3ce929d0e0e4736'
        : request.at.toString(16).padStart(32, '0');
    const lines = byResponse([...traced, ...refused]).map((request, index) =>
      cloudRunEntry(request, traceOf(request), index),
    );
    expect(detect(join(workDir, 'run.googleapis.com_requests.json.gz'), lines)).toEqual(expected);
  });

  it('reads them as `gcloud logging read --order=asc --format=json` prints them: one pretty-printed array', () => {
    const { traced, refused } = traffic();
    const entries = byResponse([...traced, ...refused]).map((request, index) =>
      cloudRunEntry(
        request,
        traced.includes(request) ? '4bf92f3577b34da6a3ce929d0e0e4736' : `${index}`.padStart(32, '0'),
        index,
      ),
    );
    const printed = JSON.stringify(
      entries.map((entry) => JSON.parse(entry)),
      null,
      2,
    );
    expect(detect(join(workDir, 'requests.json'), entries, Buffer.from(printed))).toEqual(expected);
  });
});
