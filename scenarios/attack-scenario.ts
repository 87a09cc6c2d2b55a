import type { Credential } from '../schemas/hop-event.js';
import { type AgentIdentity, type AgentKind, AgentTask, type TaskTrigger } from './agents.js';
import type { Rng } from './rng.js';
import { runAgent, runBackground } from './schedule.js';
import { type Scenario, type ScenarioContext, type Span, wholeSpan } from './traffic.js';

export const minutes = (count: number): number => count * 60_000;
export const hours = (count: number): number => count * 3_600_000;
/** The instant `fraction` of the way through the scenario. */
export const at = (ctx: ScenarioContext, fraction: number): number =>
  ctx.start + (ctx.end - ctx.start) * fraction;

/** An agent that also does its ordinary work over the whole scenario, attacker or not. */
export function busyAgent(ctx: ScenarioContext, kind: AgentKind, index: number): AgentIdentity {
  const agent = kind.identity(ctx.rng.fork(`identity:${kind.kind}:${index}`), index);
  runAgent(ctx, kind, agent, wholeSpan(ctx), { benign: false });
  return agent;
}

/** A task of `agent`, handed over the way `how` says, at the root of a trace of its own: what an attack rides on. */
export function attackTask(
  ctx: ScenarioContext,
  rng: Rng,
  how: TaskTrigger,
  agent: AgentIdentity,
  start: number,
): AgentTask {
  return new AgentTask(ctx.traffic.trace(rng), rng, agent, start, how.trigger, how.entry);
}

type Actor = { credential: Credential };

/** One actor and what it does: `actor` creates it (with any ordinary work), `act` adds its attack traffic. */
type Variant<A extends Actor> = {
  actor(ctx: ScenarioContext): A;
  act(ctx: ScenarioContext, rng: Rng, actor: A): void;
  note: string;
};

export type AttackScenarioSpec<A extends Actor, L extends Actor> = Omit<Scenario, 'build'> & {
  /** The attack, labelled with what each detector should find in the traffic it adds. */
  attack: Variant<A> & { expected: Array<{ detector: string; rule?: string }> };
  /** The same move kept under the thresholds or in a blind spot: it must raise nothing, and `note` says why. */
  lookalike: Variant<L>;
  /** Background crowd only over this span, generated after both actors; by default it fills the whole scenario, first. */
  lateBackground?(ctx: ScenarioContext): Span;
};

/** A scenario whose labelled attack can also be staged inside another scenario (see incident-drill). */
export type AttackScenario = Scenario & {
  /** Creates the attacker (with its ordinary work), adds its attack and labels it. */
  stageAttack(ctx: ScenarioContext, rng: Rng): void;
};

/** An attack scenario: background crowd, the labelled attack, then its benign look-alike, both drawing from one `attack` stream. */
export function attackScenario<A extends Actor, L extends Actor>(
  spec: AttackScenarioSpec<A, L>,
): AttackScenario {
  const { attack, lookalike, lateBackground, ...scenario } = spec;
  const stageAttack = (ctx: ScenarioContext, rng: Rng): void => {
    const attacker = attack.actor(ctx);
    const mark = ctx.traffic.mark;
    attack.act(ctx, rng, attacker);
    ctx.traffic.label(attacker.credential.id, mark, attack.expected, attack.note);
  };
  return {
    ...scenario,
    stageAttack,
    build(ctx) {
      if (!lateBackground) runBackground(ctx);
      const rng = ctx.rng.fork('attack');
      stageAttack(ctx, rng);
      const twin = lookalike.actor(ctx);
      lookalike.act(ctx, rng, twin);
      ctx.traffic.markBenign(twin.credential, lookalike.note);
      if (lateBackground) runBackground(ctx, lateBackground(ctx));
    },
  };
}
