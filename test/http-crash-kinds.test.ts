import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../schemas/finding.js';
import type { HopEvent } from '../schemas/hop-event.js';
import {
  assertBuilt,
  freePort,
  HOPWATCH_BIN,
  type HopwatchProcess,
  startRunProcess,
} from './helpers/api-process.js';
import { fanoutHops, T0, toNdjson, watermarkHop } from './helpers/api-traffic.js';
import { waitUntil } from './helpers/kafka-ingest.js';
import { writeConfigFile } from './helpers/kafka-process.js';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.js';

const MINUTE = 60_000;
const dataDir = mkdtempSync(join(tmpdir(), 'hopwatch-crash-kinds-'));
let receiver: WebhookReceiver;
let configFile: string;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  configFile = writeConfigFile(dataDir, {
    store: { hopsTtlDays: 3_650 },
    alerts: {
      webhooks: [
        {
          name: 'crash-kinds',
          url: receiver.url,
          secretEnv: 'HOPWATCH_CRASH_SECRET',
          notify: 'findings',
          minSeverity: 'low',
          backoffBaseMs: 50,
        },
      ],
    },
  });
});

afterAll(async () => {
  await receiver?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The fan-out of api-traffic under other ids, at `start`, without its root when `orphaned`. */
function fanout(name: string, start: number, orphaned = false): HopEvent[] {
  return fanoutHops(start)
    .filter((event) => !orphaned || event.id !== 'f0')
    .map((event) => ({ ...event, id: `${name}-${event.id}`, traceId: `${name}-trace` }));
}

/** Root calls with a trace id and no span ids (what a sidecar logs from `traceparent` alone), 0.75 s apart. */
function recentRoots(start: number): HopEvent[] {
  return fanoutHops(start)
    .slice(0, 40)
    .map((event, index) => ({
      ...event,
      id: `root-${index}`,
      ts: start + index * 750,
      traceId: `root-trace-${index}`,
      spanId: undefined,
      parentSpanId: undefined,
      credential: fanoutHops()[0]!.credential,
      source: { workload: 'research-agent' },
    }));
}

/** Each kind of batch a crash right after its 200 used to lose, in the order they are posted. */
const batches: Array<{ kind: string; events: HopEvent[] }> = [
  {
    kind: 'historical (its windows close inside the batch)',
    events: [...fanout('old', T0), { ...watermarkHop(T0 + 10 * MINUTE), id: 'wm-10' }],
  },
  {
    kind: 'pending lineage (children of a parent never seen)',
    events: fanout('orphans', T0 + 20 * MINUTE, true),
  },
  { kind: 'recent roots (trace context only)', events: recentRoots(T0 + 21 * MINUTE) },
  { kind: 'open windows', events: fanout('open', T0 + 22 * MINUTE) },
];
const closing = { ...watermarkHop(T0 + 40 * MINUTE), id: 'wm-40' };

function start(port: number): Promise<HopwatchProcess> {
  return startRunProcess(configFile, dataDir, port, {
    HOPWATCH_CRASH_SECRET: 'crash-kinds-secret-0123456789',
  });
}

async function post(port: number, events: HopEvent[]): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/v1/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: toNdjson(events),
  });
  await response.arrayBuffer();
  return response.status;
}

/** What `hopwatch detect` finds in the same traffic read from a file, in one go, with no crash. */
function findingsOffline(events: HopEvent[]): string[] {
  const file = join(dataDir, 'all.ndjson');
  writeFileSync(file, toNdjson(events));
  const run = spawnSync(process.execPath, [HOPWATCH_BIN, 'detect', file], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => (JSON.parse(line) as Finding).id)
    .sort();
}

describe('HTTP ingest: kill -9 right after each kind of acknowledged batch', () => {
  it('stores every acknowledged hop, every finding once, and alerts each finding once', async () => {
    assertBuilt();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    for (const { kind, events } of batches) {
      const running = await start(port);
      expect(await post(port, events), kind).toBe(200);
      running.child.kill('SIGKILL');
      await running.exited;
    }
    const last = await start(port);
    try {
      expect(await post(port, [closing])).toBe(200);
      const all = [...batches.flatMap(({ events }) => events), closing];
      const expected = findingsOffline(all);
      expect(expected.length).toBeGreaterThanOrEqual(3);

      const stored = async () =>
        ((await (await fetch(`${base}/v1/findings?limit=1000`)).json()) as { items: Finding[] }).items
          .map((finding) => finding.id)
          .sort();
      await waitUntil(
        'the findings of every batch',
        async () => (await stored()).length >= expected.length,
        30_000,
      );
      expect(await stored()).toEqual(expected);

      for (const trace of ['old-trace', 'orphans-trace', 'open-trace', 'root-trace-39']) {
        const tree = (await (await fetch(`${base}/v1/traces/${trace}`)).json()) as { hopCount: number };
        expect(tree.hopCount, trace).toBe(all.filter((event) => event.traceId === trace).length);
      }

      await waitUntil(
        'an alert for every finding',
        () => deliveredFindings().size === expected.length,
        30_000,
      );
      expect([...deliveredFindings().keys()].sort()).toEqual(expected);
      // A request cut by the kill may be sent again, but always as the same delivery.
      for (const deliveries of deliveredFindings().values()) expect(deliveries.size).toBe(1);
    } finally {
      last.child.kill('SIGTERM');
      await last.exited;
    }
  }, 180_000);
});

/** Delivery ids received per finding id. */
function deliveredFindings(): Map<string, Set<string>> {
  const byFinding = new Map<string, Set<string>>();
  for (const request of receiver.requests) {
    const { id } = JSON.parse(request.rawBody.toString()) as Finding;
    const deliveries = byFinding.get(id) ?? new Set<string>();
    deliveries.add(String(request.headers['x-hopwatch-delivery']));
    byFinding.set(id, deliveries);
  }
  return byFinding;
}
