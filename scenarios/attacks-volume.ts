import type { Credential } from '../schemas/hop-event.js';
import { type AttackScenario, at, attackScenario, busyAgent, minutes } from './attack-scenario.js';
import { researchAgent } from './benign-research.js';
import { enrichmentServices, mesh } from './catalog.js';
import { meshDestination, uuid, type Workload, workloadSource } from './hops.js';
import { inventoryJob, type SyncJob } from './inventory.js';
import type { Rng } from './rng.js';
import { runHourlySync } from './schedule.js';
import { type ScenarioContext, type Traffic, wholeSpan } from './traffic.js';

/** Addresses from the documentation ranges (RFC 5737): outside the estate, as a stolen credential's user would be. */
function externalIp(rng: Rng): string {
  return `${rng.pick(['198.51.100', '203.0.113'])}.${rng.int(2, 254)}`;
}

type OutsideRequest = { to: Workload; method: string; path: string; route?: string; status: number };

/**
 * Requests from outside through the edge gateway, with no trace context (a script, not an agent of
 * ours): each hop is its own root, so only per-credential counting sees them together.
 */
function fromOutside(
  traffic: Traffic,
  rng: Rng,
  span: { from: number; to: number; gapMs: number },
  credential: Credential,
  next: (rng: Rng) => OutsideRequest,
): void {
  const ip = externalIp(rng);
  const agent = rng.pick(['python-requests/2.32.3', 'curl/8.7.1', 'Go-http-client/1.1']);
  for (let ts = span.from; ts < span.to; ts += rng.exponential(span.gapMs)) {
    const request = next(rng);
    const id = uuid(rng);
    traffic.events.push({
      id,
      ts: Math.round(ts),
      durationMs: Math.max(1, Math.round(rng.logNormal(request.status < 400 ? 180 : 4, 0.5))),
      requestId: id,
      credential,
      source: workloadSource(mesh.edgeGateway, agent, ip),
      destination: meshDestination(request),
      status: request.status,
      bytesIn: rng.int(150, 600),
      bytesOut: request.status < 400 ? rng.int(20_000, 240_000) : rng.int(60, 200),
      origin: { format: 'canonical' },
    });
  }
}

function bulkExport(rng: Rng): OutsideRequest {
  const resource = rng.pick(['inventory', 'customers', 'suppliers', 'price-lists']);
  return {
    to: mesh.erp,
    method: 'GET',
    path: `/api/v1/${resource}?page=${rng.int(1, 4_000)}&page_size=500`,
    route: `/api/v1/${resource}`,
    status: 200,
  };
}

/** An inventory sync job on its hourly schedule, with an API key that can leak. */
function hourlyJob(ctx: ScenarioContext, index: number): SyncJob {
  const job = inventoryJob(ctx.rng.fork(`identity:inventory-sync:${index}`), index, 'api_key');
  runHourlySync(ctx, job, wholeSpan(ctx), { benign: false });
  return job;
}

function stolenKeyUse(
  ctx: ScenarioContext,
  rng: Rng,
  job: SyncJob,
  span: { from: number; to: number; gapMs: number },
): void {
  if (job.rawKey !== undefined) ctx.traffic.apiKeys.set(job.credential.id, job.rawKey);
  fromOutside(ctx.traffic, rng, span, job.credential, bulkExport);
}

const stolenKey = attackScenario({
  name: 'stolen-key',
  summary:
    "the inventory sync's API key, used from an outside address to page through the ERP at ~12 requests/s",
  defaultDurationMs: minutes(10),
  mixedFormat: 'canonical',
  attack: {
    actor: (ctx) => hourlyJob(ctx, 60),
    act(ctx, rng, job) {
      const from = at(ctx, 0.4);
      stolenKeyUse(ctx, rng, job, { from, to: from + 62_000, gapMs: 85 });
    },
    expected: [{ detector: 'rate' }],
    note: 'the hourly job key, from 203.0.113.x / 198.51.100.x, ~12 requests/s for a minute',
  },
  lookalike: {
    actor: (ctx) => hourlyJob(ctx, 61),
    act: (ctx, rng, job) =>
      stolenKeyUse(ctx, rng, job, { from: at(ctx, 0.6), to: at(ctx, 0.95), gapMs: 1_500 }),
    note: 'benign by threshold: another job key used from outside at ~40 requests/min for 3.5 min, under rate.maxRequestsPerCredential (600) and the baseline minCount (60)',
  },
});

/** 401/403 answers from many routes: someone mapping what a leaked token can reach. */
function probe(rng: Rng): OutsideRequest {
  const to = rng.pick([
    mesh.iamApi,
    mesh.secretsManager,
    mesh.billing,
    mesh.payments,
    mesh.auditLog,
    ...enrichmentServices,
  ]);
  const path = rng.pick([
    '/v1/admin',
    '/v1/users',
    '/v1/export',
    '/v1/keys',
    '/api/internal/config',
    '/v1/accounts',
  ]);
  return { to, method: 'GET', path: `${path}/${rng.int(1, 999)}`, status: rng.chance(0.6) ? 403 : 401 };
}

const authProbing = attackScenario({
  name: 'auth-probing',
  summary:
    "a research agent's leaked token probing admin and internal routes from outside: a burst of 401/403",
  defaultDurationMs: minutes(10),
  mixedFormat: 'envoy',
  attack: {
    actor: (ctx) => busyAgent(ctx, researchAgent, 60),
    act(ctx, rng, victim) {
      const from = at(ctx, 0.5);
      fromOutside(ctx.traffic, rng, { from, to: from + 60_000, gapMs: 700 }, victim.credential, probe);
    },
    expected: [{ detector: 'rate', rule: 'auth_failure_burst' }],
    note: 'leaked agent token from outside: ~85 probes answered 401/403 within a minute',
  },
  lookalike: {
    actor: (ctx) => busyAgent(ctx, researchAgent, 61),
    act: (ctx, rng, victim) =>
      fromOutside(
        ctx.traffic,
        rng,
        { from: at(ctx, 0.05), to: at(ctx, 0.95), gapMs: 5_500 },
        victim.credential,
        probe,
      ),
    note: 'benign by threshold: the same probing at one attempt every ~5.5 s (~11 per minute) for 9 min, under rate.maxAuthFailures (20 per 60 s)',
  },
});

export const volumeAttacks: readonly AttackScenario[] = [stolenKey, authProbing];
