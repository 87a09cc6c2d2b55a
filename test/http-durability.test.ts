import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Finding } from '../schemas/finding.js';
import {
  assertBuilt,
  freePort,
  type HopwatchProcess,
  spawnHopwatch,
  waitUntilHealthy,
} from './helpers/api-process.js';
import { FANOUT_ORIGIN, fanoutHops, toNdjson, watermarkHop } from './helpers/api-traffic.js';
import { waitUntil } from './helpers/kafka-ingest.js';

const dataDir = mkdtempSync(join(tmpdir(), 'hopwatch-durable-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function start(port: number): Promise<HopwatchProcess> {
  const running = spawnHopwatch(['run'], {
    HOPWATCH_PORT: String(port),
    HOPWATCH_DATA_DIR: dataDir,
    HOPWATCH_LOG_LEVEL: 'warn',
  });
  await waitUntilHealthy(running, `http://127.0.0.1:${port}`);
  return running;
}

async function ingest(port: number, body: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/v1/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

describe('HTTP ingest across a crash', () => {
  it('keeps what a 200 acknowledged: after kill -9 and a restart, the open windows are judged and every hop is stored', async () => {
    assertBuilt();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const first = await start(port);
    // A root action expanding into 40 calls: its window is still open when the process dies.
    expect(await ingest(port, toNdjson(fanoutHops()))).toBe(200);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await start(port);
    try {
      expect(await ingest(port, toNdjson([watermarkHop()]))).toBe(200);
      const fanout = async () =>
        (
          (await (await fetch(`${base}/v1/findings?detector=fanout`)).json()) as { items: Finding[] }
        ).items.filter((finding) => finding.originCredential === FANOUT_ORIGIN);
      await waitUntil('the fan-out finding', async () => (await fanout()).length > 0, 20_000);
      expect(await fanout()).toHaveLength(1);
      const tree = (await (await fetch(`${base}/v1/traces/fanout-trace-1`)).json()) as { hopCount: number };
      expect(tree.hopCount).toBe(41);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  }, 90_000);
});
