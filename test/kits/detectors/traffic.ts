import type { Credential, HopEvent, Protocol } from '../../../schemas/hop-event.js';

/**
 * Builders for canonical HopEvents, for tests and for the labelled traffic in fixtures/traffic/.
 * Everything is deterministic: ids, times and order derive from the arguments only.
 */

export type HopSpec = {
  id: string;
  ts: number;
  credential: Credential;
  from?: string;
  to: string;
  method?: string;
  path?: string;
  tool?: string;
  protocol?: Protocol;
  status?: number;
  durationMs?: number;
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  delegation?: string[];
};

export function hop(spec: HopSpec): HopEvent {
  const event: HopEvent = {
    id: spec.id,
    ts: spec.ts,
    durationMs: spec.durationMs ?? 50,
    credential: spec.credential,
    source: spec.from === undefined ? {} : { workload: spec.from },
    destination: {
      service: spec.to,
      method: spec.method ?? 'GET',
      path: spec.path ?? '/',
      protocol: spec.protocol ?? 'http',
      ...(spec.tool === undefined ? {} : { tool: spec.tool }),
    },
    status: spec.status ?? 200,
    origin: { format: 'canonical' },
  };
  if (spec.traceId !== undefined) event.traceId = spec.traceId;
  if (spec.spanId !== undefined) event.spanId = spec.spanId;
  if (spec.parentSpanId !== undefined) event.parentSpanId = spec.parentSpanId;
  if (spec.delegation !== undefined) event.delegation = spec.delegation;
  return event;
}

export function jwt(subject: string, scopes: string[]): Credential {
  return {
    id: `jwt:https://idp.example.com|${subject}`,
    kind: 'jwt',
    subject,
    issuer: 'https://idp.example.com',
    scopes,
  };
}

export function apiKey(fingerprint: string): Credential {
  return { id: `key:${fingerprint}`, kind: 'api_key', scopes: [] };
}

export function mtls(namespace: string, account: string): Credential {
  return { id: `spiffe://shop.example/ns/${namespace}/sa/${account}`, kind: 'mtls', scopes: [] };
}

export function serviceAccount(name: string, scopes: string[]): Credential {
  return { id: `sa:${name}`, kind: 'service_account', subject: name, scopes };
}

/** Calls one workload makes in sequence inside one trace, gateway style (trace id, no span ids). */
export function sequence(
  prefix: string,
  start: number,
  gapMs: number,
  common: Omit<HopSpec, 'id' | 'ts' | 'to'>,
  calls: Array<Partial<HopSpec> & { to: string }>,
): HopEvent[] {
  return calls.map((call, index) =>
    hop({ ...common, ...call, id: `${prefix}-${index}`, ts: start + index * gapMs }),
  );
}

/** Orders events by time, then id: the order a perfect collector would deliver. */
export function byTime(events: HopEvent[]): HopEvent[] {
  return [...events].sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : 1));
}
