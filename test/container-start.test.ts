import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLimitOf, oldSpaceFor } from '../common/heap-size.js';
import { assertBuilt, hopwatchNodeFlags, spawnWithOutput } from './helpers/api-process.js';

const dirs: string[] = [];
beforeAll(assertBuilt);
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The heap limit, in MiB, of node started with hopwatch's flags and `extra`. */
function heapLimitOfNode(extra: string[]): number {
  const script = 'process.stdout.write(String(require("node:v8").getHeapStatistics().heap_size_limit))';
  const bytes = Number(
    execFileSync(process.execPath, [...extra, ...hopwatchNodeFlags, '-e', script], { encoding: 'utf8' }),
  );
  return Math.round(bytes / 1024 ** 2);
}

/** `bin/container-start.sh run` until it listens: its start-up log line (logs go to stderr). */
async function startedBy(env: Record<string, string>): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'hopwatch-container-'));
  dirs.push(dir);
  const started = spawnWithOutput('sh', ['bin/container-start.sh', 'run'], {
    HOPWATCH_DATA_DIR: join(dir, 'data'),
    HOPWATCH_PORT: '0',
    ...env,
  });
  const deadline = Date.now() + 30_000;
  let line: string | undefined;
  while (line === undefined && Date.now() < deadline) {
    line = started
      .stderr()
      .split('\n')
      .find((text) => text.includes('hopwatch listening on'));
    if (line === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  started.child.kill('SIGTERM');
  expect(await started.exited, started.stderr()).toBe(0);
  expect(line, started.stderr()).toBeDefined();
  return JSON.parse(line!) as Record<string, unknown>;
}

describe("the Docker image's start script", () => {
  it("sizes V8's heap from the memory limit, where there is one, and leaves it to Node where there is none", async () => {
    const limit = memoryLimitOf(process.constrainedMemory(), totalmem());
    const logged = await startedBy({});
    const expected = heapLimitOfNode(
      limit === undefined ? [] : [`--max-old-space-size=${oldSpaceFor(limit)}`],
    );
    expect(logged).toMatchObject({
      heapLimitMiB: expected,
      memoryLimitMiB: limit === undefined ? null : Math.round(limit / 1024 ** 2),
    });
  }, 60_000);

  it('keeps the heap size NODE_OPTIONS asks for', async () => {
    const logged = await startedBy({ NODE_OPTIONS: '--max-old-space-size=300' });
    expect(logged.heapLimitMiB).toBe(heapLimitOfNode(['--max-old-space-size=300']));
  }, 60_000);
});
