import type { HopEvent } from '../../../schemas/hop-event.js';
import { apiKey, byTime, hop, jwt, mtls, sequence, serviceAccount } from './traffic.js';

/** Labelled traffic: the benign agents the seeds describe, and the attacks hopwatch must catch. */

export const scenarioStart = Date.UTC(2026, 0, 5, 9, 0, 0);
const minute = 60_000;
const hour = 60 * minute;

export const supportAgent = jwt('support-agent', [
  'tickets:read',
  'billing:read',
  'crm:write',
  'refunds:create',
]);

/** A support agent resolving one ticket: reads it, checks billing, updates the CRM, sends one refund. */
export function supportTicket(ticket: number, start = scenarioStart): HopEvent[] {
  const traceId = `support-${ticket}`;
  const calls = sequence(
    `${traceId}-agent`,
    start,
    1_500,
    { credential: supportAgent, from: 'support-agent', traceId },
    [
      { to: 'tickets', path: `/tickets/${ticket}` },
      { to: 'billing', path: `/customers/c${ticket}/invoices` },
      { to: 'crm', method: 'PATCH', path: `/customers/c${ticket}` },
      { to: 'refunds', method: 'POST', path: '/refunds', durationMs: 400 },
      { to: 'tickets', method: 'POST', path: `/tickets/${ticket}/resolve` },
    ],
  );
  // The refund service settles with the payment provider under its own mesh identity.
  const settle = hop({
    id: `${traceId}-refunds-0`,
    ts: start + 3 * 1_500 + 100,
    credential: mtls('payments', 'refunds'),
    from: 'spiffe://shop.example/ns/payments/sa/refunds',
    to: 'payments',
    method: 'POST',
    path: '/charges/refund',
    traceId,
  });
  return [...calls, settle];
}

export const codeAssistant = serviceAccount('code-assistant', ['repo:read', 'ci:trigger', 'pulls:write']);

/** A code assistant after one approved prompt: inspects a repository, runs CI, opens a pull request (OTLP-style spans). */
export function codeAssistantTask(task: number, start = scenarioStart): HopEvent[] {
  const traceId = `code-${task}`;
  const agentSpan = `agent-${task}`;
  const common = { credential: codeAssistant, from: 'code-assistant', traceId, parentSpanId: agentSpan };
  const steps = [
    { to: 'git', path: '/repos/shop/tree' },
    { to: 'git', path: '/repos/shop/blob/src/cart.ts' },
    { to: 'git', path: '/repos/shop/blob/src/checkout.ts' },
    { to: 'ci', method: 'POST', path: '/pipelines', durationMs: 30_000 },
    { to: 'ci', path: '/pipelines/latest' },
    { to: 'git', method: 'POST', path: '/repos/shop/pulls' },
  ];
  const calls = steps.map((step, index) =>
    hop({
      ...common,
      ...step,
      id: `${traceId}-${index}`,
      ts: start + index * 2_000,
      spanId: `${traceId}-s${index}`,
    }),
  );
  const runner = hop({
    id: `${traceId}-runner`,
    ts: start + 3 * 2_000 + 500,
    credential: mtls('ci', 'pipeline'),
    from: 'ci',
    to: 'runner',
    method: 'POST',
    path: '/jobs',
    traceId,
    spanId: `${traceId}-runner`,
    parentSpanId: `${traceId}-s3`,
    durationMs: 20_000,
  });
  return [...calls, runner];
}

export const sreBot = apiKey('5e7b07c0ffee0001');

/** An SRE bot handling a failed deployment: checks it, retries twice, scales up, posts a status update. */
export function sreIncident(incident: number, start = scenarioStart): HopEvent[] {
  const traceId = `sre-${incident}`;
  return sequence(`${traceId}`, start, 3_000, { credential: sreBot, from: 'sre-bot', traceId }, [
    { to: 'deploy-api', path: '/deployments/42' },
    { to: 'deploy-api', method: 'POST', path: '/deployments/42/retry', status: 503 },
    { to: 'deploy-api', method: 'POST', path: '/deployments/42/retry' },
    { to: 'kube-api', method: 'PATCH', path: '/apis/apps/v1/namespaces/shop/deployments/web/scale' },
    { to: 'status-page', method: 'POST', path: '/incidents' },
  ]);
}

export const inventorySyncClient = {
  id: 'oauth:inventory-sync',
  kind: 'oauth_client' as const,
  scopes: ['inventory:read', 'catalog:write'],
};

/** A scheduled sync, every hour for `hours` hours: pages through the ERP inventory, then updates the catalog. */
export function inventorySync(hours: number, start = scenarioStart): HopEvent[] {
  const events: HopEvent[] = [];
  for (let run = 0; run < hours; run++) {
    const traceId = `sync-${run}`;
    const pages = Array.from({ length: 8 }, (_, page) => ({
      to: 'erp',
      path: `/inventory?page=${page + 1}`,
    }));
    events.push(
      ...sequence(
        traceId,
        start + run * hour,
        700,
        { credential: inventorySyncClient, from: 'inventory-sync', traceId },
        [
          ...pages,
          { to: 'catalog', method: 'PUT', path: '/items/batch' },
          { to: 'catalog', method: 'PUT', path: '/items/batch' },
        ],
      ),
    );
  }
  return events;
}

/** All four benign agents over two days of work. */
export function benignTraffic(): HopEvent[] {
  const events: HopEvent[] = [...inventorySync(48)];
  for (let n = 0; n < 40; n++) {
    events.push(...supportTicket(n, scenarioStart + n * 37 * minute));
    events.push(...codeAssistantTask(n, scenarioStart + n * 71 * minute + 5 * minute));
    if (n % 4 === 0) events.push(...sreIncident(n, scenarioStart + n * 53 * minute + 11 * minute));
  }
  return byTime(events);
}

export const hijackedAgent = jwt('research-agent', ['search:read', 'docs:read']);

/** One approved action becoming 60 calls to 15 services within 20 seconds. */
export function fanoutExplosion(start = scenarioStart): HopEvent[] {
  const traceId = 'fanout-1';
  return Array.from({ length: 61 }, (_, index) =>
    hop({
      id: `${traceId}-${index}`,
      ts: start + index * 300,
      credential: hijackedAgent,
      from: 'research-agent',
      to: index === 0 ? 'search' : `service-${index % 15}`,
      path: `/items/${index}`,
      traceId,
    }),
  );
}

/** Two agents calling each other: planner → researcher → planner → … ten hops deep (exact spans). */
export function agentPingPong(start = scenarioStart): HopEvent[] {
  const traceId = 'pingpong-1';
  const agents = ['planner-agent', 'researcher-agent'];
  return Array.from({ length: 10 }, (_, depth) =>
    hop({
      id: `${traceId}-${depth}`,
      ts: start + depth * 400,
      durationMs: 10_000 - depth * 400,
      credential: jwt(agents[depth % 2]!, ['agents:invoke']),
      delegation: depth === 0 ? undefined : [jwt('planner-agent', ['agents:invoke']).id],
      from: agents[depth % 2],
      to: agents[(depth + 1) % 2]!,
      method: 'POST',
      path: '/a2a/tasks',
      protocol: 'a2a',
      traceId,
      spanId: `${traceId}-s${depth}`,
      parentSpanId: depth === 0 ? undefined : `${traceId}-s${depth - 1}`,
    }),
  );
}

/** A runaway loop: the same MCP tool call 40 times in 30 seconds under one root action. */
export function retryStorm(start = scenarioStart): HopEvent[] {
  const traceId = 'storm-1';
  const credential = jwt('triage-agent', ['tickets:read']);
  return Array.from({ length: 40 }, (_, index) =>
    hop({
      id: `${traceId}-${index}`,
      ts: start + index * 750,
      credential,
      from: 'triage-agent',
      to: 'tool-broker',
      method: 'POST',
      path: '/mcp',
      tool: 'search_tickets',
      protocol: 'mcp',
      status: 500,
      traceId,
    }),
  );
}

/** Scope creep through token exchange: a read-only agent's request reaches billing with write scopes. */
export function tokenExchangeCreep(start = scenarioStart): HopEvent[] {
  const traceId = 'creep-1';
  const agent = jwt('helpdesk-agent', ['tickets:read']);
  const exchanged = jwt('ticket-service-obo', ['tickets:read', 'billing:write', 'users:admin']);
  return [
    hop({
      id: `${traceId}-0`,
      ts: start,
      durationMs: 2_000,
      credential: agent,
      from: 'helpdesk-agent',
      to: 'tickets',
      traceId,
    }),
    hop({
      id: `${traceId}-1`,
      ts: start + 200,
      credential: exchanged,
      delegation: [agent.id],
      from: 'tickets',
      to: 'billing',
      method: 'POST',
      path: '/credits',
      traceId,
    }),
  ];
}

/** A read-only credential deleting documents. */
export function readOnlyDeletes(start = scenarioStart): HopEvent[] {
  const traceId = 'ro-1';
  const reader = jwt('docs-reader', ['docs:read', 'search:read']);
  return sequence(traceId, start, 1_000, { credential: reader, from: 'docs-reader', traceId }, [
    { to: 'docs', path: '/docs?q=contracts' },
    { to: 'docs', method: 'DELETE', path: '/docs/17' },
    { to: 'docs', method: 'DELETE', path: '/docs/18' },
  ]);
}

export const stolenKey = apiKey('d0d0cafe00112233');

/** A leaked API key replayed at 25 requests per second for a minute. */
export function stolenKeyFlood(start = scenarioStart): HopEvent[] {
  return Array.from({ length: 1_500 }, (_, index) =>
    hop({
      id: `flood-${index}`,
      ts: start + index * 40,
      credential: stolenKey,
      from: 'unknown-client',
      to: 'llm-gateway',
      method: 'POST',
      path: '/v1/chat/completions',
      traceId: `flood-${index}`,
    }),
  );
}

/** One credential walking admin endpoints and collecting 401/403s. */
export function authProbing(start = scenarioStart): HopEvent[] {
  const credential = apiKey('0badc0de0badc0de');
  const targets = ['admin', 'users', 'secrets', 'billing', 'keys', 'audit', 'config', 'backups'];
  return Array.from({ length: 48 }, (_, index) =>
    hop({
      id: `probe-${index}`,
      ts: start + index * 800,
      credential,
      from: 'scanner',
      to: targets[index % targets.length]!,
      path: `/api/v1/${targets[index % targets.length]}/${index}`,
      status: index % 3 === 0 ? 403 : 401,
      traceId: `probe-${index}`,
    }),
  );
}
