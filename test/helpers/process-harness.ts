import { rmSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
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
