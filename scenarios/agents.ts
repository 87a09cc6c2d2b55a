import type { Credential, HopEvent } from '../schemas/hop-event.js';
import {
  type CallerSpec,
  type CallSpec,
  jwtCredential,
  spiffeId,
  type TraceBuilder,
  type Workload,
} from './hops.js';
import type { Rng } from './rng.js';

/** How a task reaches an agent: who triggers it, and the request that hands it over. */
export type TaskTrigger = { trigger: CallerSpec; entry: Omit<CallSpec, 'to' | 'credential'> };

/** A kind of well-behaved agent from the seeds: who it is, how often it acts, and what one task looks like. */
export type AgentKind = TaskTrigger & {
  kind: string;
  /** Mean gap between two tasks of one agent at the default pace. */
  meanIntervalMs: number;
  identity(rng: Rng, index: number): AgentIdentity;
  task(trace: TraceBuilder, rng: Rng, at: number, agent: AgentIdentity): AgentTask;
};

/**
 * An agent kind from its description: instances are `<name>-07` on `workload` holding `scopes`, and
 * each task, once handed over, is `work`.
 */
export function agentKind(
  spec: TaskTrigger & {
    kind: string;
    meanIntervalMs: number;
    workload: Workload;
    name: string;
    scopes: string[];
    work(task: AgentTask, rng: Rng, agent: AgentIdentity): void;
  },
): AgentKind {
  const { kind, meanIntervalMs, trigger, entry } = spec;
  return {
    kind,
    meanIntervalMs,
    trigger,
    entry,
    identity: (rng, index) => agentIdentity(rng, spec.workload, `${spec.name}-${pad(index)}`, spec.scopes),
    task(trace, rng, at, agent) {
      const task = new AgentTask(trace, rng, agent, at, trigger, entry);
      spec.work(task, rng, agent);
      return task;
    },
  };
}

/** `7` → `07`: agent instance names. */
export const pad = (index: number): string => String(index).padStart(2, '0');

/** One agent instance: its own identity (the origin credential of its tasks), where it runs and from which address. */
export type AgentIdentity = { name: string; workload: Workload; credential: Credential; ip: string };

export function agentIdentity(rng: Rng, workload: Workload, name: string, scopes: string[]): AgentIdentity {
  return { name, workload, credential: jwtCredential(`agent:${name}`, scopes), ip: podIp(rng) };
}

export function podIp(rng: Rng): string {
  return `10.${rng.int(8, 15)}.${rng.int(0, 255)}.${rng.int(2, 254)}`;
}

/** A per-task token for the agent (same identity, fresh `jti`), as a JIT-credential orchestrator issues it. */
export function taskToken(agent: AgentIdentity, rng: Rng): Credential {
  return { ...agent.credential, jti: rng.hex(16) };
}

/**
 * RFC 8693 token exchange at the same issuer: the subject stays the agent, the scopes are the ones
 * asked for, and the `act` claim (delegation) names the workload acting on the agent's behalf.
 */
export function exchanged(
  agent: AgentIdentity,
  scopes: string[],
  rng: Rng,
  ...actors: Workload[]
): Pick<CallSpec, 'credential' | 'delegation'> {
  return {
    credential: { ...agent.credential, scopes, jti: rng.hex(16) },
    delegation: [agent.credential.id, ...actors.map((actor) => spiffeId(actor.namespace, actor.name))],
  };
}

/**
 * The agent side of one task: the root request that hands the agent its task (an A2A-style
 * submission, answered at once), then the agent's calls one after another in the same trace, each
 * after some think time (the model deciding what to do next).
 */
export class AgentTask {
  readonly root: HopEvent;
  private cursor: number;

  constructor(
    readonly trace: TraceBuilder,
    private readonly rng: Rng,
    readonly agent: AgentIdentity,
    at: number,
    trigger: CallerSpec,
    entry: Omit<CallSpec, 'to' | 'credential'>,
    credential: Credential = taskToken(agent, rng),
  ) {
    this.root = trace.root(at, trigger, { ...entry, to: agent.workload, credential, latencyMs: 30 });
    this.cursor = at + rng.int(80, 400);
  }

  get credential(): Credential {
    return this.root.credential;
  }

  /** The agent's next call, `thinkMs` (median) after the previous one ended. */
  call(spec: CallSpec, thinkMs = 900): HopEvent {
    this.cursor += this.rng.logNormal(thinkMs, 0.5);
    return this.callAt(this.cursor, spec);
  }

  /** A call at an exact time (loops and retry storms set their own pace). */
  callAt(at: number, spec: CallSpec): HopEvent {
    const hop = this.trace.child(this.root, at, spec, { agent: this.agent.name, ip: this.agent.ip }, true);
    this.cursor = Math.max(this.cursor, hop.ts + (hop.durationMs ?? 0));
    return hop;
  }

  /** A call made by a service while it serves `parent` (one level deeper in the tree), by default soon after the parent started. */
  downstream(parent: HopEvent, spec: CallSpec, at = parent.ts + this.rng.int(2, 25)): HopEvent {
    const hop = this.trace.child(parent, at, spec);
    this.cursor = Math.max(this.cursor, parent.ts + (parent.durationMs ?? 0));
    return hop;
  }

  get now(): number {
    return this.cursor;
  }
}
