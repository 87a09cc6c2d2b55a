import { type AgentIdentity, type AgentKind, type AgentTask, agentKind, exchanged } from './agents.js';
import { plannerAgent, researchAgent } from './benign-research.js';
import { deployments, mesh, repositories } from './catalog.js';
import { mtlsCredential } from './hops.js';
import type { Rng } from './rng.js';

/** Customer support: ticket → billing → CRM → (refund) → ticket update → notification. */
export const supportAgent = agentKind({
  kind: 'support-agent',
  meanIntervalMs: 150_000,
  workload: mesh.supportAgent,
  name: 'support',
  scopes: ['tickets:read', 'tickets:write', 'billing:read', 'crm:write', 'refunds:create', 'notify:send'],
  trigger: { workload: mesh.helpdesk },
  entry: { method: 'POST', path: '/a2a', tool: 'resolve_ticket', protocol: 'a2a' },
  work(task, rng, agent) {
    const ticket = rng.int(100_000, 999_999);
    const customer = rng.int(10_000, 99_999);
    const actor = agent.workload;
    task.call({
      to: mesh.ticketing,
      method: 'GET',
      path: `/api/v2/tickets/${ticket}`,
      route: '/api/v2/tickets/{id}',
      ...exchanged(agent, ['tickets:read'], rng, actor),
    });
    task.call({
      to: mesh.billing,
      method: 'GET',
      path: `/v1/customers/${customer}/invoices`,
      route: '/v1/customers/{id}/invoices',
      ...exchanged(agent, ['billing:read'], rng, actor),
    });
    task.call({
      to: mesh.crm,
      method: 'PATCH',
      path: `/api/contacts/${customer}`,
      route: '/api/contacts/{id}',
      ...exchanged(agent, ['crm:write'], rng, actor),
    });
    if (rng.chance(0.35)) refund(task, agent, rng);
    task.call({
      to: mesh.ticketing,
      method: 'PUT',
      path: `/api/v2/tickets/${ticket}`,
      route: '/api/v2/tickets/{id}',
      ...exchanged(agent, ['tickets:write'], rng, actor),
    });
    task.call({
      to: mesh.notifications,
      method: 'POST',
      path: '/v1/messages',
      route: '/v1/messages',
      status: 202,
      ...exchanged(agent, ['notify:send'], rng, actor),
    });
  },
});

/** A refund, which the refunds service books with the payment provider under its own mesh identity. */
function refund(task: AgentTask, agent: AgentIdentity, rng: Rng): void {
  const request = task.call({
    to: mesh.refunds,
    method: 'POST',
    path: '/v1/refunds',
    route: '/v1/refunds',
    status: 201,
    latencyMs: 120,
    ...exchanged(agent, ['refunds:create'], rng, agent.workload),
  });
  const charge = `ch_${rng.hex(14)}`;
  task.downstream(request, {
    to: mesh.payments,
    method: 'POST',
    path: `/v1/charges/${charge}/refunds`,
    route: '/v1/charges/{id}/refunds',
    status: 201,
    credential: mtlsCredential(mesh.refunds.namespace, mesh.refunds.name),
  });
}

/** Code assistant: read the repository, run the pipeline, poll it, open a pull request. */
export const codeAssistant = agentKind({
  kind: 'code-assistant',
  meanIntervalMs: 300_000,
  workload: mesh.codeAssistant,
  name: 'code-assistant',
  scopes: ['repo:read', 'repo:write', 'ci:read', 'ci:run', 'pulls:write'],
  trigger: { workload: mesh.ideGateway },
  entry: { method: 'POST', path: '/a2a', tool: 'implement_change', protocol: 'a2a' },
  work(task, rng) {
    const repo = rng.pick(repositories);
    const credential = task.credential;
    readRepository(task, rng, repo);
    runPipeline(task, rng);
    task.call({
      to: mesh.git,
      method: 'POST',
      path: `/api/v3/repos/acme/${repo}/pulls`,
      route: '/api/v3/repos/{owner}/{repo}/pulls',
      status: 201,
      credential,
    });
  },
});

/** The repository, then a few of its files. */
function readRepository(task: AgentTask, rng: Rng, repo: string): void {
  const { credential } = task;
  task.call({
    to: mesh.git,
    method: 'GET',
    path: `/api/v3/repos/acme/${repo}`,
    route: '/api/v3/repos/{owner}/{repo}',
    credential,
  });
  for (let file = rng.int(3, 7); file > 0; file -= 1) {
    const path = `/api/v3/repos/acme/${repo}/contents/${rng.pick(sourcePaths)}`;
    task.call(
      {
        to: mesh.git,
        method: 'GET',
        path,
        route: '/api/v3/repos/{owner}/{repo}/contents/{path}',
        credential,
      },
      1_500,
    );
  }
}

/** A CI pipeline started, then polled until it is done. */
function runPipeline(task: AgentTask, rng: Rng): void {
  const { credential } = task;
  const project = rng.int(100, 999);
  const pipeline = rng.int(10_000, 99_999);
  task.call(
    {
      to: mesh.ci,
      method: 'POST',
      path: `/api/v4/projects/${project}/pipeline`,
      route: '/api/v4/projects/{id}/pipeline',
      status: 201,
      credential,
    },
    6_000,
  );
  for (let poll = rng.int(2, 4); poll > 0; poll -= 1) {
    const path = `/api/v4/projects/${project}/pipelines/${pipeline}`;
    task.call(
      { to: mesh.ci, method: 'GET', path, route: '/api/v4/projects/{id}/pipelines/{pipeline}', credential },
      15_000,
    );
  }
}
const sourcePaths = [
  'src/index.ts',
  'src/server.ts',
  'package.json',
  'README.md',
  'src/db/schema.sql',
  'Makefile',
];

/** SRE bot: on an alert, look at the deployment, restart it (retrying a 503 with backoff), scale, post status. */
export const sreBot = agentKind({
  kind: 'sre-bot',
  meanIntervalMs: 420_000,
  workload: mesh.sreBot,
  name: 'sre-bot',
  scopes: ['deploy:read', 'deploy:write', 'scale:write', 'status:write'],
  trigger: { workload: mesh.alertmanager },
  entry: { method: 'POST', path: '/hooks/alertmanager', protocol: 'http' },
  work(task, rng) {
    const deployment = rng.pick(deployments);
    const credential = task.credential;
    const status = `/v1/deployments/${deployment}`;
    task.call({
      to: mesh.deployApi,
      method: 'GET',
      path: status,
      route: '/v1/deployments/{name}',
      credential,
    });
    let backoff = 2_000;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const failed = attempt < 2 && rng.chance(0.3);
      task.call(
        {
          to: mesh.deployApi,
          method: 'POST',
          path: `${status}/restart`,
          route: '/v1/deployments/{name}/restart',
          status: failed ? 503 : 202,
          credential,
        },
        backoff,
      );
      if (!failed) break;
      backoff *= 2;
    }
    task.call({
      to: mesh.clusterApi,
      method: 'PATCH',
      path: `/apis/apps/v1/namespaces/prod/deployments/${deployment}/scale`,
      route: '/apis/apps/v1/namespaces/{ns}/deployments/{name}/scale',
      credential,
    });
    task.call({
      to: mesh.statuspage,
      method: 'POST',
      path: `/v1/incidents/${rng.hex(8)}/updates`,
      route: '/v1/incidents/{id}/updates',
      status: 201,
      credential,
    });
  },
});

export const agentKinds: readonly AgentKind[] = [
  supportAgent,
  codeAssistant,
  sreBot,
  researchAgent,
  plannerAgent,
];
