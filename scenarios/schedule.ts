import type { AgentIdentity, AgentKind } from './agents.js';
import { agentKinds } from './benign.js';
import { inventoryJob, runInventorySync } from './inventory.js';
import { type ScenarioContext, type Span, wholeSpan } from './traffic.js';

export type AgentOptions = {
  /** Declare its origin credential benign (default); attackers doing ordinary work too say false. */
  benign?: boolean;
  /** Follow the scenario's `rate` (default); a history that must reach a fixed length says false. */
  scaleWithRate?: boolean;
};

/** Runs `agent`'s ordinary tasks as a Poisson process over [from, to). */
export function runAgent(
  ctx: ScenarioContext,
  kind: AgentKind,
  agent: AgentIdentity,
  span: Span & { meanIntervalMs?: number },
  options: AgentOptions = {},
): void {
  const rng = ctx.rng.fork(`agent:${agent.name}`);
  const mean =
    (span.meanIntervalMs ?? kind.meanIntervalMs) / (options.scaleWithRate === false ? 1 : ctx.rate);
  for (let at = span.from + rng.next() * mean; at < span.to; at += rng.exponential(mean)) {
    kind.task(ctx.traffic.trace(rng), rng, at, agent);
  }
  if (options.benign !== false) ctx.traffic.markBenign(agent.credential);
}

/** How many agents of each kind make up the background crowd of every scenario. */
const crowd: Record<string, number> = {
  'support-agent': 3,
  'code-assistant': 1,
  'sre-bot': 1,
  'research-agent': 2,
  'planner-agent': 1,
};

/**
 * The ordinary traffic every scenario sits in: a crowd of benign agents of every kind, and the
 * hourly inventory sync. Agent indexes start at 1; scenarios use indexes from 50 up for their own actors.
 */
export function runBackground(ctx: ScenarioContext, span: Span = wholeSpan(ctx)): void {
  for (const kind of agentKinds) {
    for (let index = 1; index <= (crowd[kind.kind] ?? 0); index += 1) {
      const agent = kind.identity(ctx.rng.fork(`identity:${kind.kind}:${index}`), index);
      runAgent(ctx, kind, agent, { from: span.from, to: span.to });
    }
  }
  runHourlySync(ctx, inventoryJob(ctx.rng.fork('identity:inventory-sync'), 1, 'client_credentials'), span);
}

/** The inventory sync runs at the top of every hour (plus scheduler jitter) that falls in the span. */
export function runHourlySync(
  ctx: ScenarioContext,
  job: ReturnType<typeof inventoryJob>,
  span: Span,
  options: { benign: boolean } = { benign: true },
): void {
  const rng = ctx.rng.fork(`job:${job.name}`);
  for (let hour = Math.ceil(span.from / 3_600_000) * 3_600_000; hour < span.to; hour += 3_600_000) {
    runInventorySync(ctx.traffic, rng, hour + rng.int(200, 20_000), job);
  }
  if (options.benign) ctx.traffic.markBenign(job.credential);
  ctx.traffic.markBenign(job.writer);
}
