import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainRecord } from '../pipeline/explain.js';
import { parseConfig } from '../pipeline/load-config.js';
import { findScenario } from '../scenarios/registry.js';
import { writeScenario } from '../scenarios/write.js';
import { bearer, startTestHopwatch, type TestHopwatch } from './helpers/api.js';
import { assertBuilt, HOPWATCH_BIN } from './helpers/api-process.js';

const dir = mkdtempSync(join(tmpdir(), 'hopwatch-explain-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The agent-recursion scenario as Kong logs it without caller identity: bearer JWTs with RFC 8693 act chains. */
function kongTraffic(): { file: string; lines: string[] } {
  const written = writeScenario(
    findScenario('agent-recursion')!,
    'kong-no-caller',
    { seed: 5, rate: 0.5 },
    dir,
  );
  if (!written.ok) throw new Error(written.reason);
  return {
    file: written.trafficPath,
    lines: readFileSync(written.trafficPath, 'utf8').trimEnd().split('\n'),
  };
}

const subjectOf = (line: string): string => {
  const token = JSON.parse(line).request.headers.authorization.split('.')[1];
  return JSON.parse(Buffer.from(token, 'base64url').toString()).sub;
};

/** The deepest call of the planner ⇄ research loop: the attacking planner's A2A call that timed out. */
function loopEnd(lines: string[]): number {
  return lines.findIndex(
    (line) =>
      line.includes('"/a2a"') &&
      JSON.parse(line).response.status === 504 &&
      subjectOf(line) === 'agent:planner-60',
  );
}

function bearerTokens(lines: string[]): string[] {
  return lines.flatMap((line) => {
    const authorization: string | undefined = JSON.parse(line).request.headers.authorization;
    return authorization === undefined ? [] : [authorization.slice('Bearer '.length)];
  });
}

describe('hopwatch explain', () => {
  beforeAll(assertBuilt);
  const explain = (args: string[]) =>
    spawnSync(process.execPath, [HOPWATCH_BIN, 'explain', ...args], { encoding: 'utf8' });

  it('tells how a caller-less Kong record was read, whose call it was, where lineage put it and what each detector counted', () => {
    const { file, lines } = kongTraffic();
    const line = loopEnd(lines);
    const result = explain([file, '--line', String(line + 1), '--json']);
    expect(result.status, result.stderr).toBe(0);
    const explanation = JSON.parse(result.stdout);
    expect(explanation.format).toMatchObject({ name: 'kong', chosen: 'detected' });
    const [hop] = explanation.hops;
    expect(hop.identity.basis).toContain('bearer JWT');
    expect(hop.identity.caller).toEqual({
      name: 'spiffe://acme.internal/ns/agents/sa/planner-agent',
      from: 'the token’s current actor (RFC 8693 act.sub)',
    });
    expect(hop.fieldsRead.headers.authorization).toContain('not shown');
    expect(hop.lineage).toMatchObject({ parentBasis: 'inferred', depth: 12, originConfidence: 'exact' });
    expect(hop.lineage.originCredential).toBe('jwt:https://idp.acme.internal|agent:planner-60');
    expect(hop.detectors.recursion).toMatchObject({
      counted: true,
      counts: { depth: 12, cycleTo: 'research-agent' },
    });
    expect(hop.detectors.fanout.counts.calls).toBeGreaterThan(10);
    expect(explanation.findings.map((finding: { rule: string }) => finding.rule).sort()).toEqual([
      'cycle',
      'depth',
    ]);
    for (const token of bearerTokens(lines)) expect(result.stdout).not.toContain(token);
  });

  it('prints the same account as text, and never a token', () => {
    const { file, lines } = kongTraffic();
    const result = explain([file, '--line', String(loopEnd(lines) + 1)]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^format {3}kong — detected/);
    expect(result.stdout).toContain(
      'lineage  inferred: The caller spiffe://acme.internal/ns/agents/sa/planner-agent',
    );
    expect(result.stdout).toContain('recursion/cycle critical');
    for (const token of bearerTokens(lines)) expect(result.stdout).not.toContain(token);
  });

  it('shows a sidecar record merged with the other side of its call, and how the merged hop was judged', () => {
    const written = writeScenario(findScenario('data-retrieval')!, 'istio', { seed: 5, rate: 0.5 }, dir);
    if (!written.ok) throw new Error(written.reason);
    const lines = readFileSync(written.trafficPath, 'utf8').split('\n');
    const outbound = lines.findIndex((line) => line.includes('"outbound|8080||'));
    const result = explain([written.trafficPath, '--line', String(outbound + 1), '--json']);
    expect(result.status, result.stderr).toBe(0);
    const [hop] = JSON.parse(result.stdout).hops;
    expect(hop.identity.credential.kind).toBe('unknown');
    expect(hop.lineage.observedAs).toHaveLength(1);
    expect(hop.lineage.judgedAs.credential).toMatch(/^jwt:/);
    expect(hop.lineage.judgedAs.caller).toMatch(/^spiffe:\/\//);
  });

  it('shows a target and host as read, without the keys and passwords they hold', () => {
    const key = 'sk-live-4f9a8b7c6d5e4f3a2b1c0d9e';
    const record = JSON.stringify({
      msec: '1764583200.024',
      status: '200',
      request_method: 'GET',
      request_uri: `/v1/search?q=agents&api_key=${key}`,
      host: 'https://svc:Pa55w0rd@search.internal',
    });
    const result = spawnSync(process.execPath, [HOPWATCH_BIN, 'explain', '--json'], {
      input: `${record}\n`,
      encoding: 'utf8',
    });
    expect(result.status, result.stderr).toBe(0);
    const [hop] = JSON.parse(result.stdout).hops;
    expect(hop.fieldsRead).toMatchObject({
      target: '/v1/search?q=agents&api_key=[REDACTED]',
      authority: 'https://[REDACTED]@search.internal',
    });
    expect(result.stdout).not.toContain(key);
    expect(result.stdout).not.toContain('Pa55w0rd');
  });

  it('refuses a line past the end, an unknown format and a record it cannot read, naming what is wrong', () => {
    const { file, lines } = kongTraffic();
    const past = explain([file, '--line', String(lines.length + 1)]);
    expect(past.status).toBe(2);
    expect(past.stderr).toContain(`has ${lines.length} line(s)`);
    expect(explain([file, '--format', 'syslog']).stderr).toContain('unknown format "syslog"');
    const garbage = spawnSync(process.execPath, [HOPWATCH_BIN, 'explain'], {
      input: '{"nope": 1}\n',
      encoding: 'utf8',
    });
    expect(garbage.status).toBe(2);
    expect(garbage.stderr).toContain(
      'line 1: not a record hopwatch can read: JSON record of no known format',
    );
  });
});

describe('explaining a record whose caller only the configured hint names', () => {
  it('says the name came from the hint, and infers nothing else about it', () => {
    const parsed = parseConfig({ lineage: { callerHint: { userAgent: true } } });
    if (!parsed.ok) throw new Error(parsed.reason);
    const { lineage, detectors, incidents } = parsed.config;
    const record = JSON.stringify({
      started_at: 1_767_000_000_000,
      request: {
        method: 'GET',
        uri: '/v1/docs',
        headers: { host: 'docs', 'user-agent': 'planner-agent/1.4' },
      },
      response: { status: 200 },
      service: { name: 'docs' },
    });
    const result = explainRecord([record], 0, { lineage, detectors, incidents });
    if (!result.ok) throw new Error(result.reason);
    expect(result.explanation.hops[0]!.identity.caller).toEqual({
      name: 'planner-agent',
      from: 'the configured caller hint (lineage.callerHint)',
    });
  });
});

describe('explaining an OpenTelemetry span of work inside one process', () => {
  it('says no detector counts it, and that the call under it is counted', () => {
    const parsed = parseConfig({});
    if (!parsed.ok) throw new Error(parsed.reason);
    const { lineage, detectors, incidents } = parsed.config;
    const span = (spanId: string, kind: number, attributes: object[], parentSpanId?: string) => ({
      traceId: 'aa',
      spanId,
      parentSpanId,
      name: 'step',
      kind,
      startTimeUnixNano: '1767000000000000000',
      attributes,
    });
    const method = { key: 'http.request.method', value: { stringValue: 'GET' } };
    const record = JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'planner' } }] },
          scopeSpans: [
            { spans: [span('01', 2, [method]), span('02', 1, [], '01'), span('03', 3, [method], '02')] },
          ],
        },
      ],
    });
    const result = explainRecord([record], 0, { lineage, detectors, incidents });
    if (!result.ok) throw new Error(result.reason);
    const [, step, call] = result.explanation.hops;
    for (const note of Object.values(step!.detectors)) {
      expect(note).toEqual({ counted: false, note: expect.stringContaining('no detector counts it') });
    }
    expect(call!.detectors.fanout?.counted).toBe(true);
  });
});

describe('POST /v1/explain', () => {
  let running: TestHopwatch;
  beforeAll(async () => {
    running = await startTestHopwatch();
  });
  afterAll(async () => {
    await running?.close();
  });

  const post = (token: string, payload: object) =>
    running.hopwatch.app.inject({ method: 'POST', url: '/v1/explain', headers: bearer(token), payload });

  it('explains a record among its context for admins, as the CLI does', async () => {
    const { lines } = kongTraffic();
    const index = loopEnd(lines);
    const response = await post(running.tokens.admin, {
      record: JSON.parse(lines[index]!),
      // Access logs are written when a call ends, so its ancestors come after it in the file.
      context: lines.filter((_, position) => position !== index),
    });
    expect(response.statusCode, response.body).toBe(200);
    const explanation = response.json();
    expect(explanation.hops[0].lineage).toMatchObject({ parentBasis: 'inferred', depth: 12 });
    expect(explanation.hops[0].detectors.recursion.counts.cycleTo).toBe('research-agent');
    for (const token of bearerTokens(lines)) expect(response.body).not.toContain(token);
  });

  it('answers 403 to a read token and 400, with the reason, to a record it cannot read', async () => {
    expect((await post(running.tokens.read, { record: '{}' })).statusCode).toBe(403);
    const bad = await post(running.tokens.admin, { record: 'Authorization: Bearer abc.def.ghi' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain('not a record hopwatch can read');
    expect(bad.body).not.toContain('abc.def.ghi');
    const format = await post(running.tokens.admin, { record: '{}', format: 'syslog' });
    expect(format.statusCode).toBe(400);
    expect(format.json().message).toContain('unknown format "syslog"');
  });
});
