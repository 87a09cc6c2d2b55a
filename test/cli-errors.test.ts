import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import { parseConfig } from '../pipeline/load-config.js';
import { openStore } from '../store/index.js';
import { assertBuilt, HOPWATCH_BIN, spawnHopwatch } from './helpers/api-process.js';

const workDir = mkdtempSync(join(tmpdir(), 'hopwatch-cli-errors-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function hopwatch(args: string[], env: Record<string, string> = {}) {
  const { CLICKHOUSE_URL: _server, ...inherited } = process.env;
  return spawnSync(process.execPath, [HOPWATCH_BIN, ...args], {
    encoding: 'utf8',
    env: { ...inherited, ...env },
  });
}

/** hopwatch's own lines on stderr: no stack frame, no JSON log line. */
function ownLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('hopwatch '));
}

describe('errors a new user hits are one line and a non-zero exit', () => {
  it.each(['20.18.0', '21.7.3', '22.11.0'])('a Node.js that cannot run hopwatch (%s)', (version) => {
    // This process's Node made to report `version` before bin/hopwatch.js runs; a real one would
    // fail to load the bundle with an error naming neither hopwatch nor the versions it needs.
    const older = `Object.defineProperty(process.versions, 'node', { value: '${version}' })`;
    const run = spawnSync(
      process.execPath,
      ['--import', `data:text/javascript,${encodeURIComponent(older)}`, HOPWATCH_BIN, '--version'],
      { encoding: 'utf8' },
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(`hopwatch: Node.js 20.19+ or 22.12+ is required; this is ${version}\n`);
  });

  it('detect on a directory', () => {
    assertBuilt();
    const run = hopwatch(['detect', workDir]);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(`hopwatch detect: not a file: ${workDir}\n`);
  });

  it('detect --store on a data directory another process holds', async () => {
    const dataDir = join(workDir, 'held');
    const parsed = parseConfig({ dataDir });
    if (!parsed.ok) throw new Error(parsed.reason);
    const store = await openStore(parsed.config, createLogger('silent'));
    try {
      const run = hopwatch(['detect', '--store', 'fixtures/traffic/mixed-formats.ndjson'], {
        HOPWATCH_DATA_DIR: dataDir,
        HOPWATCH_LOG_LEVEL: 'warn',
      });
      expect(run.status).toBe(1);
      expect(ownLines(run.stderr)).toEqual([
        expect.stringMatching(
          new RegExp(
            `^hopwatch detect: could not open the embedded store at .*: process ${process.pid} has had it open since `,
          ),
        ),
      ]);
      expect(run.stderr).not.toMatch(/^\s+at /m);
    } finally {
      await store.close();
    }
  });

  it('run on a port in use', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const running = spawnHopwatch(['run'], {
        HOPWATCH_PORT: String(port),
        HOPWATCH_DATA_DIR: join(workDir, 'port'),
        HOPWATCH_LOG_LEVEL: 'warn',
      });
      expect(await running.exited).toBe(1);
      expect(ownLines(running.stderr())).toEqual([
        `hopwatch run: could not start: listen EADDRINUSE: address already in use 127.0.0.1:${port}`,
      ]);
      expect(running.stderr()).not.toMatch(/^\s+at /m);
    } finally {
      taken.close();
    }
  });
});
