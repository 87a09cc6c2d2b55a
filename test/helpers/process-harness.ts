import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { assertBuilt, type HopwatchProcess } from './api-process.js';
import { tempDataDir } from './kafka-ingest.js';
import { type RunningHopwatch, startHopwatchRun } from './kafka-process.js';
import { TEST_SECRET_ENV } from './webhook-findings.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';

export type ProcessHarness = {
  /** One webhook receiver for the file's tests (its requests accumulate: tell them apart by path). */
  readonly receiver: WebhookReceiver;
  /** Every process started, in order. */
  readonly processes: readonly HopwatchProcess[];
  /** A fresh data directory, removed after the file's tests. */
  dataDir(what: string): string;
  /** `hopwatch run -c configFile` on `dir`, with the webhook secret; killed after the file's tests if still running. */
  start(configFile: string, dir: string, env?: Record<string, string>): Promise<RunningHopwatch>;
};

/** What a test file that runs `hopwatch run` processes sets up and tears down (call at module level). */
export function processHarness(): ProcessHarness {
  const dirs: string[] = [];
  const running: HopwatchProcess[] = [];
  let receiver: WebhookReceiver | undefined;
  beforeAll(async () => {
    assertBuilt();
    receiver = await startWebhookReceiver();
  });
  let reported = 0;
  // A failing test shows what its processes warned of: the first thing to read when it failed in CI only.
  afterEach(({ task }) => {
    const started = running.slice(reported);
    reported = running.length;
    if (task.result?.state !== 'fail') return;
    for (const [index, process] of started.entries()) {
      const warnings = process
        .stderr()
        .split('\n')
        .filter((line) => /"level":(40|50|60)/.test(line));
      console.error(
        `process ${index + 1} of the test, warnings and errors:\n${warnings.slice(-40).join('\n')}`,
      );
    }
  });
  afterAll(async () => {
    for (const process of running) if (process.child.exitCode === null) process.child.kill('SIGKILL');
    await receiver?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  return {
    processes: running,
    get receiver() {
      if (receiver === undefined) throw new Error('the webhook receiver starts in beforeAll');
      return receiver;
    },
    dataDir(what) {
      const dir = tempDataDir(what);
      dirs.push(dir);
      return dir;
    },
    async start(configFile, dir, env = {}) {
      const started = await startHopwatchRun(configFile, dir, { ...TEST_SECRET_ENV, ...env });
      running.push(started.process);
      return started;
    },
  };
}
