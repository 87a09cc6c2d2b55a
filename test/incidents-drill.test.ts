import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyHopwatchSignature } from '../alerts/verify.js';
import { configSchema } from '../pipeline/config.js';
import { createDetectionEngine } from '../pipeline/engine.js';
import { generateScenario } from '../scenarios/generate.js';
import { incidentDrill } from '../scenarios/incident-drill.js';
import type { HopEvent } from '../schemas/hop-event.js';
import { type Incident, isNotifiable } from '../schemas/incident.js';
import { assertBuilt, freePort, type HopwatchProcess, startRunProcess } from './helpers/api-process.js';
import { toNdjson } from './helpers/api-traffic.js';
import { waitUntil } from './helpers/kafka-ingest.js';
import { writeConfigFile } from './helpers/kafka-process.js';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.js';

const SECRET = 'incident-drill-secret-0123456789';
const dataDir = mkdtempSync(join(tmpdir(), 'hopwatch-incidents-'));
const drill = generateScenario(incidentDrill, { seed: 7, rate: 1 });
const attackers = new Set(drill.labels.labels.map((label) => label.originCredential));
/** A benign call an hour after the drill: the watermark it brings resolves every incident. */
const closing: HopEvent = (() => {
  const last = drill.events.at(-1)!;
  const { spanId: _span, parentSpanId: _parent, ...rest } = last;
  return { ...rest, id: 'drill-closing', ts: last.ts + 3_600_000, traceId: 'drill-closing-trace' };
})();
const traffic = [...drill.events, closing];

let receiver: WebhookReceiver;
let configFile: string;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  configFile = writeConfigFile(dataDir, {
    store: { hopsTtlDays: 3_650 },
    alerts: {
      webhooks: [
        { name: 'pager', url: receiver.url, secretEnv: 'HOPWATCH_DRILL_SECRET', minSeverity: 'low' },
      ],
    },
  });
});

afterAll(async () => {
  await receiver?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function start(port: number): Promise<HopwatchProcess> {
  return startRunProcess(configFile, dataDir, port, { HOPWATCH_DRILL_SECRET: SECRET });
}

/** Posts the events in request-sized batches; every one must be acknowledged. */
async function post(port: number, events: HopEvent[]): Promise<void> {
  for (let from = 0; from < events.length; from += 1_000) {
    const response = await fetch(`http://127.0.0.1:${port}/v1/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: toNdjson(events.slice(from, from + 1_000)),
    });
    expect(response.status, await response.text()).toBe(200);
  }
}

/** The incidents, as they end up, of the same traffic through one engine in one go, and how many changes notify. */
function expectedIncidents(): { latest: Incident[]; notifiable: number } {
  const config = configSchema.parse({});
  const latest = new Map<string, Incident>();
  let notifiable = 0;
  const engine = createDetectionEngine(
    { lineage: config.lineage, detectors: config.detectors, incidents: config.incidents },
    {
      hop() {},
      finding() {},
      incident(incident) {
        latest.set(incident.id, incident);
        if (isNotifiable(incident.change)) notifiable++;
      },
    },
    { now: Date.now },
  );
  for (const event of traffic) engine.observe(event);
  engine.flush();
  return { latest: [...latest.values()].sort((a, b) => (a.id < b.id ? -1 : 1)), notifiable };
}

type Delivery = { id: string; event: string; incident: Incident; verified: boolean };

function deliveries(): Delivery[] {
  return receiver.requests.map((request) => {
    const body = JSON.parse(request.rawBody.toString()) as { event: string; incident: Incident };
    const check = verifyHopwatchSignature(SECRET, request.headers['x-hopwatch-signature'], request.rawBody);
    return { id: String(request.headers['x-hopwatch-delivery']), ...body, verified: check.ok };
  });
}

async function storedIncidents(base: string): Promise<Incident[]> {
  const response = await fetch(`${base}/v1/incidents?limit=1000`);
  const { items } = (await response.json()) as { items: Incident[] };
  return items.sort((a, b) => (a.id < b.id ? -1 : 1));
}

describe('incidents: forty minutes of agent traffic with seven attacks and a persistent prober', () => {
  it('tells the pager of every attacker at most three times, of no benign agent, through a kill -9 and a replay', async () => {
    assertBuilt();
    const { latest: expected, notifiable } = expectedIncidents();
    expect(new Set(expected.map((incident) => incident.originCredential))).toEqual(attackers);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const half = Math.floor(drill.events.length / 2);

    const first = await start(port);
    await post(port, drill.events.slice(0, half));
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await start(port);
    try {
      await post(port, [...drill.events.slice(half), closing]);
      await waitUntil(
        'every incident resolved and stored',
        async () => {
          const stored = await storedIncidents(base);
          return (
            stored.length === expected.length && stored.every((incident) => incident.state === 'resolved')
          );
        },
        60_000,
      );
      expect(await storedIncidents(base)).toEqual(expected);
      await waitUntil('every change delivered', () => distinctDeliveries() === notifiable, 30_000);

      // The same traffic again (a client retrying everything): nothing new is stored or sent.
      await post(port, traffic);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(await storedIncidents(base)).toEqual(expected);
      expect(distinctDeliveries()).toBe(notifiable);

      const received = deliveries();
      expect(received.every((delivery) => delivery.verified)).toBe(true);
      const perCredential = new Map<string, Set<string>>();
      for (const { id, incident } of received) {
        const ids = perCredential.get(incident.originCredential) ?? new Set<string>();
        perCredential.set(incident.originCredential, ids.add(id));
      }
      expect(new Set(perCredential.keys())).toEqual(attackers);
      for (const [credential, ids] of perCredential) expect(ids.size, credential).toBeLessThanOrEqual(3);
      expect(received.filter((delivery) => delivery.event === 'opened')).toHaveLength(attackers.size);

      const prober = expected.find((incident) => incident.findingCount > 100)!;
      const detail = (await (await fetch(`${base}/v1/incidents/${prober.id}?findings=5`)).json()) as {
        timeline: Incident[];
        findings: { items: Array<{ incidentId: string }>; nextCursor: string | null };
      };
      expect(detail.timeline.map((version) => version.change)).toEqual(['opened', 'resolved']);
      expect(detail.findings.items).toHaveLength(5);
      expect(detail.findings.items.every((finding) => finding.incidentId === prober.id)).toBe(true);
      expect(detail.findings.nextCursor).not.toBeNull();
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  }, 240_000);
});

function distinctDeliveries(): number {
  return new Set(deliveries().map((delivery) => delivery.id)).size;
}
