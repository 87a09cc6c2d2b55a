import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import type { HopEvent } from '../schemas/hop-event.js';
import { freePort, spawnHopwatch, waitUntilHealthy } from '../test/helpers/api-process.js';

/**
 * Offered load against a running `hopwatch run` over loopback: the rate it sustains closed-loop, then
 * an open-loop offer (requests sent on a clock, whatever the answers) with /healthz probed and the
 * process's RSS sampled throughout. Used by the overload test and the bench.
 */

/** `size` canonical hops of benign agent traffic, five per trace, ids unique to `batch`, ending at `now`. */
export function canonicalBatch(batch: number, size: number, now: number): string {
  const lines: string[] = [];
  for (let index = 0; index < size; index++) {
    const trace = `load-${batch}-${Math.floor(index / 5)}`;
    const root = index % 5 === 0;
    const agent = `agent-${(batch * 7 + Math.floor(index / 5)) % 200}`;
    const hop: HopEvent = {
      id: `${trace}-${index % 5}`,
      ts: now - size + index,
      durationMs: 12,
      traceId: trace,
      spanId: `${trace}-${index % 5}`,
      parentSpanId: root ? undefined : `${trace}-0`,
      credential: root
        ? {
            id: `jwt:https://idp.load|${agent}`,
            kind: 'jwt',
            issuer: 'https://idp.load',
            subject: agent,
            scopes: ['tickets:read'],
          }
        : { id: 'spiffe://load/ns/tools/sa/broker', kind: 'mtls', scopes: [] },
      source: { workload: root ? agent : 'broker' },
      destination: {
        service: root ? 'broker' : `tool-${index % 5}`,
        method: 'GET',
        path: '/q',
        protocol: 'http',
      },
      status: 200,
      origin: { format: 'canonical' },
    };
    lines.push(JSON.stringify(hop));
  }
  return `${lines.join('\n')}\n`;
}

export type LoadTarget = { baseUrl: string; pid: number; body: (batch: number) => string };

export type LoadedHopwatch = { target: LoadTarget; stop(): Promise<void> };

/** `hopwatch run` (the built CLI, embedded store in `dataDir`) on a free port, fed `batchSize`-hop canonical batches. */
export async function startLoadTarget(dataDir: string, batchSize: number): Promise<LoadedHopwatch> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const running = spawnHopwatch(['run'], {
    HOPWATCH_PORT: String(port),
    HOPWATCH_DATA_DIR: dataDir,
    HOPWATCH_LOG_LEVEL: 'warn',
  });
  const stop = async () => {
    running.child.kill('SIGTERM');
    await running.exited;
  };
  try {
    await waitUntilHealthy(running, baseUrl);
  } catch (error) {
    await stop();
    throw error;
  }
  const body = (batch: number) => canonicalBatch(batch, batchSize, Date.now());
  return { target: { baseUrl, pid: running.child.pid!, body }, stop };
}

async function postBatch(baseUrl: string, body: string): Promise<number> {
  const response = await fetch(`${baseUrl}/v1/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

/** Batches per second the instance answers 200 to, `concurrency` requests in flight, for `seconds`. */
export async function sustainedBatchRate(
  target: LoadTarget,
  seconds: number,
  concurrency = 2,
): Promise<number> {
  let accepted = 0;
  let batch = 1_000_000;
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        if ((await postBatch(target.baseUrl, target.body(batch++))) === 200) accepted++;
      }
    }),
  );
  return accepted / ((performance.now() - started) / 1000);
}

export type OverloadReport = {
  offered: number;
  statuses: Record<string, number>;
  /** Requests that got no HTTP answer (reset, refused), by error code. */
  failures: Record<string, number>;
  healthzMs: number[];
  /** Probes of /healthz that got no 200. */
  healthzFailures: number;
  rssMaxBytes: number;
};

/** Sends `batchesPerSecond` on a clock for `seconds`, without waiting for answers. */
export async function offerOpenLoop(
  target: LoadTarget,
  batchesPerSecond: number,
  seconds: number,
): Promise<OverloadReport> {
  const report: OverloadReport = {
    offered: 0,
    statuses: {},
    failures: {},
    healthzMs: [],
    healthzFailures: 0,
    rssMaxBytes: 0,
  };
  const started = performance.now();
  const until = started + seconds * 1000;
  const probe = new Worker(`(${probeHealthz.toString()})()`, {
    eval: true,
    workerData: { baseUrl: target.baseUrl, pid: target.pid },
  });
  const probed = new Promise<Pick<OverloadReport, 'healthzMs' | 'healthzFailures' | 'rssMaxBytes'>>(
    (resolve, reject) => {
      probe.once('message', resolve);
      probe.once('error', reject);
    },
  );
  const requests: Promise<void>[] = [];
  while (performance.now() < until) {
    const due = Math.floor(((performance.now() - started) / 1000) * batchesPerSecond);
    while (report.offered < due) {
      const body = target.body(report.offered++);
      requests.push(
        postBatch(target.baseUrl, body).then(
          (status) => {
            report.statuses[status] = (report.statuses[status] ?? 0) + 1;
          },
          (error: Error & { cause?: { code?: string } }) => {
            const code = error.cause?.code ?? error.name;
            report.failures[code] = (report.failures[code] ?? 0) + 1;
          },
        ),
      );
    }
    await sleep(5);
  }
  await Promise.all(requests);
  probe.postMessage('stop');
  Object.assign(report, await probed);
  await probe.terminate();
  return report;
}

/**
 * Probes /healthz every 100 ms and samples the process's RSS until told to stop, then posts what it
 * saw. Runs in a worker thread of its own, its source handed over as text (so it is self-contained):
 * in the load's thread, building and sending batches and that thread's garbage collection would be
 * measured as hopwatch's latency.
 */
async function probeHealthz(): Promise<void> {
  // require: an evaluated worker is a CommonJS script, and a test runner rewrites dynamic imports.
  const { parentPort, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  const { readFileSync } = require('node:fs') as typeof import('node:fs');
  const { baseUrl, pid } = workerData as { baseUrl: string; pid: number };
  const seen = { healthzMs: [] as number[], healthzFailures: 0, rssMaxBytes: 0 };
  let running = true;
  parentPort?.once('message', () => {
    running = false;
  });
  while (running) {
    const at = performance.now();
    const ok = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(10_000) })
      .then(async (response) => {
        await response.arrayBuffer();
        return response.ok;
      })
      .catch(() => false);
    seen.healthzMs.push(performance.now() - at);
    if (!ok) seen.healthzFailures++;
    const kib = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    seen.rssMaxBytes = Math.max(seen.rssMaxBytes, kib === undefined ? 0 : Number(kib) * 1024);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  parentPort?.postMessage(seen);
}

export function percentile(values: number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? Number.NaN;
}
