import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../pipeline/load-config.js';
import { StdoutSink } from '../pipeline/sinks/stdout.js';
import type { Finding } from '../schemas/finding.js';
import { assertBuilt, freePort, spawnHopwatch, waitUntilHealthy } from './helpers/api-process.js';
import { waitUntil } from './helpers/kafka-ingest.js';
import { makeFinding } from './helpers/store-fixtures.js';

const workDir = mkdtempSync(join(tmpdir(), 'hopwatch-stdout-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function jsonLines(text: string): Array<{ id: string }> {
  return text
    .trim()
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as { id: string });
}

describe('the stdout sink', () => {
  it('prints one JSON line per finding, and hops only when asked to', async () => {
    const out = new PassThrough();
    let printed = '';
    out.setEncoding('utf8').on('data', (chunk: string) => {
      printed += chunk;
    });
    const findings = [makeFinding(0), makeFinding(1)];
    const hop = { id: 'hop-1' } as never;
    await new StdoutSink({ findings: true, hops: false }, out).write({ findings, hops: [hop] });
    expect(jsonLines(printed).map((line) => line.id)).toEqual(findings.map((finding) => finding.id));
    printed = '';
    await new StdoutSink({ findings: false, hops: true }, out).write({ findings, hops: [hop] });
    expect(jsonLines(printed)).toEqual([{ id: 'hop-1' }]);
  });

  it('is enabled by listing it in `sinks`, and an unknown sink is refused naming the field', () => {
    const parsed = parseConfig({ sinks: ['store', 'stdout'], stdout: { hops: true } });
    expect(parsed.ok && parsed.config.sinks).toEqual(['store', 'stdout']);
    expect(parsed.ok && parsed.config.stdout).toEqual({ findings: true, hops: true });
    const unknown = parseConfig({ sinks: ['store', 'syslog'] });
    expect(unknown.ok ? '' : unknown.reason).toContain('config field sinks.1');
  });

  it('prints on stdout the findings `hopwatch run` stores, when the config lists it', async () => {
    assertBuilt();
    const config = join(workDir, 'hopwatch.yaml');
    writeFileSync(config, 'sinks: [store, alerts, stdout]\n');
    const fixture = join(workDir, 'mixed.ndjson');
    execFileSync(process.execPath, ['fixtures/e2e/generate.mjs', '--out', fixture]);
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const running = spawnHopwatch(['run', '--config', config], {
      HOPWATCH_PORT: String(port),
      HOPWATCH_DATA_DIR: join(workDir, 'data'),
    });
    try {
      await waitUntilHealthy(running, baseUrl);
      const ingested = await fetch(`${baseUrl}/v1/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: readFileSync(fixture),
      });
      expect(ingested.status).toBe(200);
      const stored = ((await (await fetch(`${baseUrl}/v1/findings`)).json()) as { items: Finding[] }).items;
      expect(stored.length).toBeGreaterThan(0);
      const storedIds = stored.map((finding) => finding.id).sort();
      await waitUntil('the findings on stdout', () => jsonLines(running.stdout()).length >= storedIds.length);
      expect(
        jsonLines(running.stdout())
          .map((line) => line.id)
          .sort(),
      ).toEqual(storedIds);
    } finally {
      running.child.kill('SIGTERM');
      await running.exited;
    }
  });
});
