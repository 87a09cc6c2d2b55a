import { type AgentTask, agentKind, exchanged } from './agents.js';
import { mesh } from './catalog.js';

/** Data-retrieval agent: searches and reads documents only through the tool broker (MCP), which exchanges the token. */
export const researchAgent = agentKind({
  kind: 'research-agent',
  meanIntervalMs: 120_000,
  workload: mesh.researchAgent,
  name: 'research',
  scopes: ['docs:read', 'search:read'],
  trigger: { workload: mesh.chatFrontend },
  entry: { method: 'POST', path: '/a2a', tool: 'answer_question', protocol: 'a2a' },
  work(task, rng, agent) {
    const search = task.call(brokerCall(task, 'search_documents'));
    task.downstream(search, {
      to: mesh.searchIndex,
      method: 'GET',
      path: `/indexes/docs/_search?q=${rng.pick(queries)}`,
      route: '/indexes/{index}/_search',
      ...exchanged(agent, ['search:read'], rng, mesh.toolBroker),
    });
    for (let fetch = rng.int(1, 3); fetch > 0; fetch -= 1) {
      const read = task.call(brokerCall(task, 'fetch_document'), 2_000);
      task.downstream(read, {
        to: mesh.docsStore,
        method: 'GET',
        path: `/v1/documents/${rng.hex(12)}`,
        route: '/v1/documents/{id}',
        ...exchanged(agent, ['docs:read'], rng, mesh.toolBroker),
      });
    }
  },
});

const queries = ['refund+policy', 'sla+credits', 'gdpr+retention', 'pricing+tiers', 'incident+postmortem'];

/** An MCP `tools/call` from the agent to the tool broker, with the agent's task token. */
export function brokerCall(task: AgentTask, tool: string) {
  return {
    to: mesh.toolBroker,
    method: 'POST',
    path: '/mcp',
    tool,
    protocol: 'mcp',
    credential: task.credential,
    latencyMs: 60,
  } as const;
}

/** Planner: hands a research sub-task to a research agent over A2A, which works through the tool broker. */
export const plannerAgent = agentKind({
  kind: 'planner-agent',
  meanIntervalMs: 240_000,
  workload: mesh.plannerAgent,
  name: 'planner',
  scopes: ['docs:read', 'search:read', 'calendar:read', 'notify:send'],
  trigger: { workload: mesh.chatFrontend },
  entry: { method: 'POST', path: '/a2a', tool: 'plan_work', protocol: 'a2a' },
  work(task, rng, agent) {
    const planner = agent.workload;
    const delegated = task.call({
      to: mesh.researchAgent,
      method: 'POST',
      path: '/a2a',
      tool: 'research',
      protocol: 'a2a',
      latencyMs: 300,
      ...exchanged(agent, ['docs:read', 'search:read'], rng, planner),
    });
    const search = task.downstream(
      delegated,
      {
        ...brokerCall(task, 'search_documents'),
        ...exchanged(agent, ['docs:read', 'search:read'], rng, planner, mesh.researchAgent),
      },
      delegated.ts + rng.int(300, 900),
    );
    task.downstream(search, {
      to: mesh.searchIndex,
      method: 'GET',
      path: `/indexes/docs/_search?q=${rng.pick(queries)}`,
      route: '/indexes/{index}/_search',
      ...exchanged(agent, ['search:read'], rng, planner, mesh.researchAgent, mesh.toolBroker),
    });
    task.call({
      to: mesh.notifications,
      method: 'POST',
      path: '/v1/messages',
      route: '/v1/messages',
      status: 202,
      credential: task.credential,
    });
  },
});
