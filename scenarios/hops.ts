import { createHash } from 'node:crypto';
import type { Credential, HopDestination, HopEvent, HopSource } from '../schemas/hop-event.js';
import type { Rng } from './rng.js';

export const IDP_ISSUER = 'https://idp.acme.internal';
export const TRUST_DOMAIN = 'acme.internal';

/** A JWT identity: the id groups every token of one (issuer, subject); `jti` tells tokens apart. */
export function jwtCredential(
  subject: string,
  scopes: string[],
  jti?: string,
  issuer = IDP_ISSUER,
): Credential {
  return { id: `jwt:${issuer}|${subject}`, kind: 'jwt', issuer, subject, scopes, ...(jti ? { jti } : {}) };
}

/** The id of an API key is the first 16 hex digits of its SHA-256, never the key itself. */
export function apiKeyId(rawKey: string): string {
  return `key:${createHash('sha256').update(rawKey).digest('hex').slice(0, 16)}`;
}

export function apiKeyCredential(rawKey: string): Credential {
  return { id: apiKeyId(rawKey), kind: 'api_key', scopes: [] };
}

export function spiffeId(namespace: string, serviceAccount: string): string {
  return `spiffe://${TRUST_DOMAIN}/ns/${namespace}/sa/${serviceAccount}`;
}

export function mtlsCredential(namespace: string, serviceAccount: string): Credential {
  const id = spiffeId(namespace, serviceAccount);
  return { id, kind: 'mtls', subject: id, scopes: [] };
}

/** A service in the simulated mesh: where calls go, and who it is when it calls further. */
export type Workload = { name: string; namespace: string };

export function workloadSource(workload: Workload, agent?: string, ip?: string): HopSource {
  return {
    workload: spiffeId(workload.namespace, workload.name),
    ...(agent ? { agent } : {}),
    ...(ip ? { ip } : {}),
  };
}

/** What one call asks for; the trace builder adds ids, timing and trace context. */
export type CallSpec = {
  to: Workload;
  method: string;
  path: string;
  route?: string;
  tool?: string;
  protocol?: HopDestination['protocol'];
  status?: number;
  credential: Credential;
  delegation?: string[];
  /** Median latency in ms of the callee (log-normal around it). */
  latencyMs?: number;
  bytesOut?: number;
};

/** Where a call lands, addressed by the callee's in-cluster service name. */
export function meshDestination(
  call: Pick<CallSpec, 'to' | 'method' | 'path' | 'route' | 'tool' | 'protocol'>,
): HopDestination {
  return {
    service: call.to.name,
    host: `${call.to.name}.${call.to.namespace}.svc.cluster.local`,
    method: call.method,
    path: call.path,
    ...(call.route ? { route: call.route } : {}),
    ...(call.tool ? { tool: call.tool } : {}),
    protocol: call.protocol ?? 'http',
  };
}

export type CallerSpec = { workload: Workload; agent?: string; ip?: string };

/**
 * Builds the hops of one trace: W3C trace and span ids, parent links, and start times that nest
 * each call inside its caller's interval, the way a real request tree does.
 */
export class TraceBuilder {
  readonly traceId: string;
  private readonly bySpan = new Map<string, HopEvent>();
  private readonly detached = new Set<HopEvent>();

  constructor(
    private readonly rng: Rng,
    private readonly sink: HopEvent[],
  ) {
    this.traceId = rng.hex(32);
  }

  /**
   * The first hop of the trace: the request that starts the action. `unloggedParentSpanId` is the
   * caller's own span when the caller is a job whose span no gateway logs (a cron run, a script).
   */
  root(at: number, caller: CallerSpec, call: CallSpec, unloggedParentSpanId?: string): HopEvent {
    return this.hop(at, unloggedParentSpanId, caller, call);
  }

  /**
   * A call made by `parent`'s destination on `parent`'s behalf, starting at `at`. A synchronous call
   * happens while the parent is being served, so the ancestors' intervals grow to cover it; a
   * `detached` one follows an accepted asynchronous task (A2A `message/send` answered at once) and
   * leaves the parent's interval alone.
   */
  child(
    parent: HopEvent,
    at: number,
    call: CallSpec,
    caller?: Partial<CallerSpec>,
    detached = false,
  ): HopEvent {
    const workload = { name: parent.destination.service, namespace: namespaceOf(parent) };
    const hop = this.hop(at, parent.spanId, { workload, ...caller }, call);
    if (detached) this.detached.add(hop);
    let end = hop.ts + (hop.durationMs ?? 0);
    let descendant = hop;
    for (let ancestor = this.parentOf(hop); ancestor && !this.detached.has(descendant); ) {
      end += this.rng.int(1, 15);
      if (end <= ancestor.ts + (ancestor.durationMs ?? 0)) break;
      ancestor.durationMs = end - ancestor.ts;
      descendant = ancestor;
      ancestor = this.parentOf(ancestor);
    }
    return hop;
  }

  private parentOf(hop: HopEvent): HopEvent | undefined {
    return hop.parentSpanId === undefined ? undefined : this.bySpan.get(hop.parentSpanId);
  }

  private hop(at: number, parentSpanId: string | undefined, caller: CallerSpec, call: CallSpec): HopEvent {
    const ts = Math.round(at);
    const status = call.status ?? 200;
    const requestId = uuid(this.rng);
    const hop: HopEvent = {
      id: requestId,
      ts,
      durationMs: Math.max(1, Math.round(this.rng.logNormal(call.latencyMs ?? 40, 0.5))),
      traceId: this.traceId,
      spanId: this.rng.hex(16),
      ...(parentSpanId ? { parentSpanId } : {}),
      requestId,
      credential: call.credential,
      ...(call.delegation ? { delegation: call.delegation } : {}),
      source: workloadSource(caller.workload, caller.agent, caller.ip),
      destination: meshDestination(call),
      status,
      bytesIn: this.rng.int(120, 2_400),
      bytesOut: call.bytesOut ?? this.rng.int(200, 16_000),
      origin: { format: 'canonical' },
    };
    this.sink.push(hop);
    if (hop.spanId) this.bySpan.set(hop.spanId, hop);
    return hop;
  }
}

const namespaceFromHost = /^[^.]+\.([^.]+)\.svc\./;

function namespaceOf(hop: HopEvent): string {
  return namespaceFromHost.exec(hop.destination.host ?? '')?.[1] ?? 'default';
}

/** A random (version 4) UUID drawn from the scenario generator, so that it is reproducible. */
export function uuid(rng: Rng): string {
  const hex = rng.hex(32);
  const variant = ((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
