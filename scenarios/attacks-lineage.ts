import { type AgentIdentity, agentIdentity, exchanged, type TaskTrigger } from './agents.js';
import {
  type AttackScenario,
  at,
  attackScenario,
  attackTask,
  busyAgent,
  minutes,
} from './attack-scenario.js';
import { sreBot, supportAgent } from './benign.js';
import { plannerAgent } from './benign-research.js';
import { enrichmentServices, mesh } from './catalog.js';
import type { Workload } from './hops.js';
import type { Rng } from './rng.js';
import type { ScenarioContext } from './traffic.js';

/** An alert whose restart call keeps failing, retried every `gapMs` (no backoff, no circuit breaker) for `forMs`. */
function retryLoop(
  ctx: ScenarioContext,
  rng: Rng,
  start: number,
  bot: AgentIdentity,
  gapMs: number,
  forMs: number,
): void {
  const task = attackTask(ctx, rng, sreBot, bot, start);
  const path = `/v1/deployments/${rng.pick(['checkout', 'search'])}`;
  const credential = task.credential;
  task.call({ to: mesh.deployApi, method: 'GET', path, route: '/v1/deployments/{name}', credential });
  for (let next = task.now + gapMs; next < start + forMs; next = task.now + rng.jitter(gapMs, 0.3)) {
    task.callAt(next, {
      to: mesh.deployApi,
      method: 'POST',
      path: `${path}/restart`,
      route: '/v1/deployments/{name}/restart',
      status: 503,
      credential,
      latencyMs: 25,
    });
  }
}

const runawayRetry = attackScenario({
  name: 'runaway-retry',
  summary:
    'an SRE bot retries a failing restart in a tight loop under one alert (and a slow loop that stays under the limits)',
  defaultDurationMs: minutes(10),
  mixedFormat: 'envoy',
  attack: {
    actor: (ctx) => busyAgent(ctx, sreBot, 60),
    act: (ctx, rng, bot) => retryLoop(ctx, rng, at(ctx, 0.4), bot, 350, 60_000),
    expected: [
      { detector: 'recursion', rule: 'repeat' },
      { detector: 'fanout', rule: 'fanout_limit' },
    ],
    note: 'restart retried every ~350 ms for a minute under one alert: a runaway retry loop',
  },
  lookalike: {
    actor: (ctx) => busyAgent(ctx, sreBot, 61),
    act: (ctx, rng, bot) => retryLoop(ctx, rng, at(ctx, 0.2), bot, 4_500, minutes(7)),
    note: 'benign by threshold: the same failing restart retried every ~4.5 s for 7 min (~13 per minute), under recursion.maxRepeats (20) and fanout.maxDescendants (25) per 60 s window',
  },
});

/** A → B → A → … over A2A, each agent delegating back to the other, `depth` calls deep in one trace. */
function delegationLoop(
  ctx: ScenarioContext,
  rng: Rng,
  start: number,
  planner: AgentIdentity,
  depth: number,
): void {
  const task = attackTask(ctx, rng, plannerAgent, planner, start);
  const scopes = ['docs:read', 'search:read'];
  const actors: Workload[] = [mesh.plannerAgent];
  let hop = task.call({ ...a2aCall(mesh.researchAgent), ...exchanged(planner, scopes, rng, ...actors) });
  for (let level = 2; level <= depth; level += 1) {
    const callee = level % 2 === 0 ? mesh.plannerAgent : mesh.researchAgent;
    actors.push(level % 2 === 0 ? mesh.researchAgent : mesh.plannerAgent);
    hop = task.downstream(
      hop,
      {
        ...a2aCall(callee),
        ...exchanged(planner, scopes, rng, ...actors),
        status: level === depth ? 504 : 200,
      },
      hop.ts + rng.int(400, 1_200),
    );
  }
}

function a2aCall(callee: Workload) {
  const tool = callee === mesh.plannerAgent ? 'plan_work' : 'research';
  return { to: callee, method: 'POST', path: '/a2a', tool, protocol: 'a2a', latencyMs: 200 } as const;
}

/**
 * The same ping-pong, except that neither agent propagates trace context: every hand-off is the
 * root of a fresh trace, so no trace ever holds more than one hop of the loop.
 */
function contextDroppingLoop(
  ctx: ScenarioContext,
  rng: Rng,
  start: number,
  end: number,
  planner: AgentIdentity,
): void {
  const scopes = ['docs:read', 'search:read'];
  for (let cursor = start, turn = 0; cursor < end; turn += 1) {
    const [caller, callee] =
      turn % 2 === 0 ? [mesh.plannerAgent, mesh.researchAgent] : [mesh.researchAgent, mesh.plannerAgent];
    const hop = ctx.traffic
      .trace(rng)
      .root(
        cursor,
        { workload: caller, agent: planner.name },
        { ...a2aCall(callee), ...exchanged(planner, scopes, rng, caller) },
      );
    cursor = hop.ts + (hop.durationMs ?? 0) + rng.logNormal(12_000, 0.4);
  }
}

const agentRecursion = attackScenario({
  name: 'agent-recursion',
  summary:
    'a planner and a research agent delegate to each other over A2A until the call times out 13 levels deep',
  defaultDurationMs: minutes(10),
  mixedFormat: 'otlp',
  attack: {
    actor: (ctx) => busyAgent(ctx, plannerAgent, 60),
    act: (ctx, rng, planner) => delegationLoop(ctx, rng, at(ctx, 0.45), planner, 13),
    expected: [{ detector: 'recursion' }],
    note: 'planner → research → planner → … 13 A2A hops deep in one trace',
  },
  lookalike: {
    actor: (ctx) => busyAgent(ctx, plannerAgent, 61),
    act: (ctx, rng, planner) => contextDroppingLoop(ctx, rng, at(ctx, 0.1), at(ctx, 0.9), planner),
    note: 'blind spot: the same planner ⇄ research loop, but each call back starts a fresh trace, so no trace holds a cycle (lineage only sees what trace context links)',
  },
});

const reconcileAccount: TaskTrigger = {
  trigger: { workload: mesh.helpdesk },
  entry: { method: 'POST', path: '/a2a', tool: 'reconcile_account', protocol: 'a2a' },
};

/** One approved action that the agent turns into calls across every enrichment service it can reach. */
function enrichEverything(
  ctx: ScenarioContext,
  rng: Rng,
  start: number,
  agent: AgentIdentity,
  plan: { services: readonly Workload[]; calls: number; gapMs: number },
): void {
  const task = attackTask(ctx, rng, reconcileAccount, agent, start);
  const customer = rng.int(10_000, 99_999);
  for (let call = 0; call < plan.calls; call += 1) {
    const service = rng.pick(plan.services);
    const record = rng.pick(['profile', 'history', 'orders', 'flags', 'notes']);
    task.callAt(task.now + rng.jitter(plan.gapMs, 0.5), {
      to: service,
      method: 'GET',
      path: `/v1/customers/${customer}/${record}?page=${rng.int(1, 9)}`,
      route: `/v1/customers/{id}/${record}`,
      credential: task.credential,
    });
  }
}

const fanoutExplosion = attackScenario({
  name: 'fanout-explosion',
  summary:
    'one approved "reconcile account" action explodes into ~100 calls across 13 services within a minute',
  defaultDurationMs: minutes(10),
  mixedFormat: 'canonical',
  attack: {
    actor: (ctx) => busyAgent(ctx, supportAgent, 60),
    act: (ctx, rng, agent) =>
      enrichEverything(ctx, rng, at(ctx, 0.5), agent, {
        services: enrichmentServices,
        calls: 100,
        gapMs: 350,
      }),
    expected: [{ detector: 'fanout' }],
    note: 'one reconcile_account action → ~100 calls to 13 services in ~40 s',
  },
  lookalike: {
    actor: (ctx) =>
      agentIdentity(ctx.rng.fork('identity:ops-agent:61'), mesh.opsAgent, 'ops-61', [
        'customers:read',
        'orders:write',
      ]),
    act: (ctx, rng, agent) =>
      enrichEverything(ctx, rng, at(ctx, 0.1), agent, {
        services: enrichmentServices.slice(0, 7),
        calls: 100,
        gapMs: 3_600,
      }),
    note: 'benign by threshold: one action spread over ~6 min at ~16 calls per minute to 7 services, under fanout.maxDescendants (25) and maxDestinations (10) per 60 s window',
  },
});

export const lineageAttacks: readonly AttackScenario[] = [runawayRetry, agentRecursion, fanoutExplosion];
