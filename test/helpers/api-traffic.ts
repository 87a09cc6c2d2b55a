import type { HopEvent } from '../../schemas/hop-event.js';

/** Canonical HopEvent lines for API tests: one benign agent, one A→B→A recursion, one fan-out explosion. */

/** An hour ago, on the minute: recent enough for the hops table's TTL (store.hopsTtlDays). */
export const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;

export const BENIGN_ORIGIN = 'jwt:https://idp.example|support-bot';
export const RECURSION_ORIGIN = 'jwt:https://idp.example|planner-agent';
export const FANOUT_ORIGIN = 'jwt:https://idp.example|research-agent';

type HopSpec = {
  id: string;
  ts: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  credential: string;
  scopes?: string[];
  from: string;
  to: string;
  method?: string;
  path?: string;
};

function hop(spec: HopSpec): HopEvent {
  const [, issuer, subject] = /^jwt:(.*)\|(.*)$/.exec(spec.credential) ?? [];
  return {
    id: spec.id,
    ts: spec.ts,
    durationMs: 20,
    traceId: spec.traceId,
    spanId: spec.spanId,
    parentSpanId: spec.parentSpanId,
    credential: {
      id: spec.credential,
      kind: issuer === undefined ? 'mtls' : 'jwt',
      issuer,
      subject,
      scopes: spec.scopes ?? [],
    },
    source: { workload: spec.from },
    destination: {
      service: spec.to,
      method: spec.method ?? 'GET',
      path: spec.path ?? '/',
      protocol: 'http',
    },
    status: 200,
    origin: { format: 'canonical' },
  };
}

const spiffe = (service: string) => `spiffe://cluster.local/ns/agents/sa/${service}`;

export function benignHops(start = T0): HopEvent[] {
  const traceId = 'benign-trace-1';
  return [
    hop({
      id: 'b1',
      ts: start,
      traceId,
      spanId: 'b1',
      credential: BENIGN_ORIGIN,
      scopes: ['tickets:read', 'tickets:write'],
      from: 'support-bot',
      to: 'ticket-api',
      method: 'POST',
      path: '/tickets/42/replies',
    }),
    hop({
      id: 'b2',
      ts: start + 5,
      traceId,
      spanId: 'b2',
      parentSpanId: 'b1',
      credential: spiffe('ticket-api'),
      from: 'ticket-api',
      to: 'crm',
      path: '/customers/7',
    }),
    hop({
      id: 'b3',
      ts: start + 10,
      traceId,
      spanId: 'b3',
      parentSpanId: 'b1',
      credential: spiffe('ticket-api'),
      from: 'ticket-api',
      to: 'kb-search',
      path: '/search',
    }),
  ];
}

/** planner-agent → critic-agent → planner-agent → critic-agent: a loop between two agents. */
export function recursionHops(start = T0 + 1_000): HopEvent[] {
  const traceId = 'loop-trace-1';
  const scopes = ['agents:invoke'];
  return [
    hop({
      id: 'r1',
      ts: start,
      traceId,
      spanId: 'r1',
      credential: RECURSION_ORIGIN,
      scopes,
      from: 'planner-agent',
      to: 'critic-agent',
      method: 'POST',
      path: '/a2a',
    }),
    hop({
      id: 'r2',
      ts: start + 50,
      traceId,
      spanId: 'r2',
      parentSpanId: 'r1',
      credential: spiffe('critic-agent'),
      from: 'critic-agent',
      to: 'planner-agent',
      method: 'POST',
      path: '/a2a',
    }),
    hop({
      id: 'r3',
      ts: start + 100,
      traceId,
      spanId: 'r3',
      parentSpanId: 'r2',
      credential: spiffe('planner-agent'),
      from: 'planner-agent',
      to: 'critic-agent',
      method: 'POST',
      path: '/a2a',
    }),
  ];
}

/** One research request expanding into 40 calls to 16 services within 8 seconds. */
export function fanoutHops(start = T0 + 2_000): HopEvent[] {
  const traceId = 'fanout-trace-1';
  const root = hop({
    id: 'f0',
    ts: start,
    traceId,
    spanId: 'f0',
    credential: FANOUT_ORIGIN,
    scopes: ['search:read'],
    from: 'research-agent',
    to: 'tool-broker',
    path: '/run',
  });
  const children = Array.from({ length: 40 }, (_, index) =>
    hop({
      id: `f${index + 1}`,
      ts: start + 10 + index * 200,
      traceId,
      spanId: `f${index + 1}`,
      parentSpanId: 'f0',
      credential: spiffe('tool-broker'),
      from: 'tool-broker',
      to: `source-${index % 16}`,
      path: '/query',
    }),
  );
  return [root, ...children];
}

/** A lone benign call far later in event time: pushes the watermark past every window above. */
export function watermarkHop(at = T0 + 10 * 60_000): HopEvent {
  return hop({
    id: 'late-1',
    ts: at,
    traceId: 'benign-trace-2',
    spanId: 'late-1',
    credential: BENIGN_ORIGIN,
    scopes: ['tickets:read', 'tickets:write'],
    from: 'support-bot',
    to: 'ticket-api',
    path: '/tickets',
  });
}

export function toNdjson(events: HopEvent[]): string {
  return `${events.map((event) => JSON.stringify(event)).join('\n')}\n`;
}

export function attackTraffic(): string {
  return toNdjson([...benignHops(), ...recursionHops(), ...fanoutHops(), watermarkHop()]);
}
