import { type AgentIdentity, exchanged } from './agents.js';
import {
  type AttackScenario,
  at,
  attackScenario,
  attackTask,
  busyAgent,
  hours,
  minutes,
} from './attack-scenario.js';
import { brokerCall, researchAgent } from './benign-research.js';
import { mesh } from './catalog.js';
import type { Rng } from './rng.js';
import { runAgent } from './schedule.js';
import type { ScenarioContext } from './traffic.js';

/**
 * The tool broker exchanges the agent's read-only token for one with write and admin scopes and
 * uses it on the document store. `freshTrace` starts the privileged calls in a trace of their own.
 */
function widenedExchange(
  ctx: ScenarioContext,
  rng: Rng,
  start: number,
  agent: AgentIdentity,
  freshTrace: boolean,
): void {
  const task = attackTask(ctx, rng, researchAgent, agent, start);
  const fetch = task.call(brokerCall(task, 'fetch_document'));
  const wide = ['docs:read', 'docs:write', 'docs:admin'];
  const calls = ['/v1/admin/exports', '/v1/admin/acl', '/v1/documents?owner=*&limit=500'];
  const widened = (path: string) => ({
    to: mesh.docsStore,
    method: 'GET',
    path,
    ...exchanged(agent, wide, rng, mesh.toolBroker),
  });
  if (!freshTrace) {
    for (const path of calls) task.downstream(fetch, widened(path));
    return;
  }
  const trace = ctx.traffic.trace(rng);
  let cursor = fetch.ts + rng.int(20, 80);
  for (const path of calls) {
    const hop = trace.root(cursor, { workload: mesh.toolBroker }, widened(path));
    cursor = hop.ts + (hop.durationMs ?? 0) + rng.int(10, 60);
  }
}

const scopeCreep = attackScenario({
  name: 'scope-creep',
  summary:
    'a read-only research agent ends up calling the document store with an exchanged token that holds write and admin scopes',
  defaultDurationMs: minutes(10),
  mixedFormat: 'envoy',
  attack: {
    actor: (ctx) => busyAgent(ctx, researchAgent, 60),
    act: (ctx, rng, agent) => widenedExchange(ctx, rng, at(ctx, 0.5), agent, false),
    expected: [{ detector: 'scope_expansion', rule: 'privilege_gain' }],
    note: 'origin holds docs:read + search:read; the broker presents docs:write and docs:admin downstream',
  },
  lookalike: {
    actor: (ctx) => busyAgent(ctx, researchAgent, 61),
    act: (ctx, rng, agent) => widenedExchange(ctx, rng, at(ctx, 0.3), agent, true),
    note: 'blind spot: the widened token is used in a fresh trace, so its hops are their own root and there is no narrower origin to compare with',
  },
});

/** A read-only agent's tool call that deletes documents (over MCP and HTTP, or over MCP and gRPC with an innocuous tool name). */
export function mutateUnderReadOnly(
  ctx: ScenarioContext,
  rng: Rng,
  start: number,
  agent: AgentIdentity,
  quiet: boolean,
): void {
  const task = attackTask(ctx, rng, researchAgent, agent, start);
  const count = rng.int(4, 6);
  for (let index = 0; index < count; index += 1) {
    const tool = task.call(brokerCall(task, quiet ? 'archive_document' : 'delete_document'), 1_200);
    const document = rng.hex(12);
    task.downstream(tool, {
      to: mesh.docsStore,
      ...(quiet
        ? { method: 'POST', path: '/docs.v1.DocumentService/ArchiveDocument', protocol: 'grpc' as const }
        : { method: 'DELETE', path: `/v1/documents/${document}`, route: '/v1/documents/{id}', status: 204 }),
      ...exchanged(agent, ['docs:read'], rng, mesh.toolBroker),
    });
  }
}

const readonlyMutation = attackScenario({
  name: 'readonly-mutation',
  summary: 'a research agent granted only read scopes deletes documents through the tool broker',
  defaultDurationMs: minutes(10),
  mixedFormat: 'otlp',
  attack: {
    actor: (ctx) => busyAgent(ctx, researchAgent, 60),
    act: (ctx, rng, agent) => mutateUnderReadOnly(ctx, rng, at(ctx, 0.5), agent, false),
    expected: [{ detector: 'scope_expansion', rule: 'write_under_read_only' }],
    note: 'origin holds only docs:read + search:read; MCP delete_document → DELETE /v1/documents/{id}',
  },
  lookalike: {
    actor: (ctx) => busyAgent(ctx, researchAgent, 61),
    act: (ctx, rng, agent) => mutateUnderReadOnly(ctx, rng, at(ctx, 0.3), agent, true),
    note: 'benign by configuration: the same mutation as MCP tool archive_document and a gRPC ArchiveDocument call; neither matches scopeExpansion.mutatingTools nor is an HTTP method',
  },
});

/** An established research agent whose tools suddenly reach the secrets manager, IAM and the bulk export service. */
function reachNewSystems(ctx: ScenarioContext, rng: Rng, start: number, agent: AgentIdentity): void {
  const task = attackTask(ctx, rng, researchAgent, agent, start);
  const targets = [
    { tool: 'get_secret', to: mesh.secretsManager, path: '/v1/secrets/prod/payments-db' },
    { tool: 'list_users', to: mesh.iamApi, path: '/v1/users?limit=1000' },
    { tool: 'export_table', to: mesh.dataExport, path: '/v1/exports/customers' },
  ];
  for (const target of targets) {
    const tool = task.call(brokerCall(task, target.tool), 1_500);
    task.downstream(tool, {
      to: target.to,
      method: 'GET',
      path: target.path,
      ...exchanged(agent, ['docs:read'], rng, mesh.toolBroker),
    });
  }
}

const newDestinations = attackScenario({
  name: 'new-destinations',
  summary:
    'a research agent with a day of steady history suddenly reaches the secrets manager, IAM and the export service',
  defaultDurationMs: hours(24) + minutes(40),
  mixedFormat: 'canonical',
  attack: {
    actor: (ctx) => steadyResearcher(ctx, 60),
    act: (ctx, rng, agent) => reachNewSystems(ctx, rng, ctx.end - minutes(20), agent),
    expected: [{ detector: 'scope_expansion', rule: 'novel_destination' }],
    note: 'after 24 h of search/fetch only, the agent calls get_secret, list_users and export_table',
  },
  lookalike: {
    actor: (ctx) => steadyResearcher(ctx, 61),
    act(ctx, rng, agent) {
      reachNewSystems(ctx, rng, ctx.start + hours(2), agent);
      reachNewSystems(ctx, rng, ctx.end - minutes(15), agent);
    },
    note: 'benign by threshold: the same calls, first made 2 h into the agent history, inside the learning period (scopeExpansion.learningPeriodMs 24 h and minLearningHops 50), so they are learned as normal',
  },
  lateBackground: (ctx) => ({ from: ctx.end - minutes(10), to: ctx.end }),
});

/** A research agent answering a question every ~90 min from the first minute of the scenario on, whatever `--rate` says. */
function steadyResearcher(ctx: ScenarioContext, index: number): AgentIdentity {
  const agent = researchAgent.identity(ctx.rng.fork(`identity:research-agent:${index}`), index);
  const rng = ctx.rng.fork(`first-task:${index}`);
  researchAgent.task(ctx.traffic.trace(rng), rng, ctx.start + minutes(1), agent);
  const history = { from: ctx.start + minutes(2), to: ctx.end, meanIntervalMs: minutes(90) };
  runAgent(ctx, researchAgent, agent, history, { benign: false, scaleWithRate: false });
  return agent;
}

export const privilegeAttacks: readonly AttackScenario[] = [scopeCreep, readonlyMutation, newDestinations];
