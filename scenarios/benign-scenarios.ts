import type { AgentKind } from './agents.js';
import { codeAssistant, sreBot, supportAgent } from './benign.js';
import { plannerAgent, researchAgent } from './benign-research.js';
import { inventoryJob } from './inventory.js';
import { runAgent, runBackground, runHourlySync } from './schedule.js';
import { type Scenario, type ScenarioContext, wholeSpan } from './traffic.js';

const minutes = (count: number): number => count * 60_000;

/** More agents of one kind on top of the background crowd (indexes from 50, clear of the crowd's). */
function addAgents(ctx: ScenarioContext, kind: AgentKind, count: number, meanIntervalMs?: number): void {
  for (let index = 50; index < 50 + count; index += 1) {
    const agent = kind.identity(ctx.rng.fork(`identity:${kind.kind}:${index}`), index);
    runAgent(ctx, kind, agent, { ...wholeSpan(ctx), ...(meanIntervalMs ? { meanIntervalMs } : {}) });
  }
}

export const benignScenarios: readonly Scenario[] = [
  {
    name: 'support-agent',
    summary:
      'support agents resolving tickets: ticket → billing → CRM → refund → ticket update → notification',
    defaultDurationMs: minutes(10),
    mixedFormat: 'envoy',
    build(ctx) {
      runBackground(ctx);
      addAgents(ctx, supportAgent, 4);
    },
  },
  {
    name: 'code-assistant',
    summary: 'code assistants reading repositories, running CI, polling it and opening pull requests',
    defaultDurationMs: minutes(10),
    mixedFormat: 'otlp',
    build(ctx) {
      runBackground(ctx);
      addAgents(ctx, codeAssistant, 3, 180_000);
    },
  },
  {
    name: 'sre-bot',
    summary: 'SRE bots answering alerts: inspect, restart with backoff on 503, scale, post status',
    defaultDurationMs: minutes(10),
    mixedFormat: 'kong',
    build(ctx) {
      runBackground(ctx);
      addAgents(ctx, sreBot, 3, 150_000);
    },
  },
  {
    name: 'inventory-sync',
    summary:
      'hourly inventory syncs (API key to the ERP, mesh identity to the inventory service) over three hours',
    defaultDurationMs: minutes(185),
    mixedFormat: 'kong',
    build(ctx) {
      runBackground({ ...ctx, rate: ctx.rate * 0.05 });
      for (let index = 2; index <= 3; index += 1) {
        runHourlySync(
          ctx,
          inventoryJob(ctx.rng.fork(`identity:inventory-sync:${index}`), index, 'api_key'),
          wholeSpan(ctx),
        );
      }
    },
  },
  {
    name: 'data-retrieval',
    summary:
      'read-only research agents working through the MCP tool broker, some delegated by planners over A2A',
    defaultDurationMs: minutes(10),
    mixedFormat: 'otlp',
    build(ctx) {
      runBackground(ctx);
      addAgents(ctx, researchAgent, 3);
      addAgents(ctx, plannerAgent, 2);
    },
  },
];
