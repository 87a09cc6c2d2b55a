import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, spawnHopwatch, waitUntilHealthy } from './helpers/api-process.js';

/** What `hopwatch run` logged from start to a clean stop, with `env`. */
async function runLog(env: Record<string, string>): Promise<string[]> {
  const port = await freePort();
  const running = spawnHopwatch(['run'], {
    HOPWATCH_PORT: String(port),
    HOPWATCH_DATA_DIR: mkdtempSync(join(tmpdir(), 'hopwatch-log-')),
    HOPWATCH_LOG_LEVEL: 'info',
    ...env,
  });
  await waitUntilHealthy(running, `http://127.0.0.1:${port}`);
  running.child.kill('SIGTERM');
  expect(await running.exited).toBe(0);
  return running.stderr().trimEnd().split('\n');
}

describe('the log format', () => {
  it('is one JSON object a line off a terminal, for a log pipeline', async () => {
    const lines = await runLog({});
    const messages = lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages).toContainEqual(
      expect.stringMatching(/^hopwatch listening on http:\/\/127\.0\.0\.1:\d+/),
    );
    expect(messages[messages.length - 1]).toBe('stopped');
  });

  it('is readable lines, a time and a level first, with logFormat: pretty', async () => {
    const lines = await runLog({ HOPWATCH_LOG_FORMAT: 'pretty' });
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: hopwatch listening on http:\/\/127\.0\.0\.1:\d+/,
      ),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^\[[\d:.]+\] INFO: stopped$/));
    expect(lines.filter((line) => line.startsWith('{'))).toEqual([]);
  });

  it('stops start-up naming the field when it is none of the three', async () => {
    const running = spawnHopwatch(['run'], { HOPWATCH_LOG_FORMAT: 'xml' });
    expect(await running.exited).toBe(2);
    expect(running.stderr()).toBe(
      'hopwatch run: config field logFormat (from HOPWATCH_LOG_FORMAT): Invalid option: expected one of "auto"|"json"|"pretty"\n',
    );
  });
});
