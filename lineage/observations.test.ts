import { describe, expect, it } from 'vitest';
import type { HopEvent } from '../schemas/hop-event.js';
import type { ResolvedHop } from '../schemas/resolved-hop.js';
import { hop, jwt } from '../test/kits/detectors/traffic.js';
import { lineageConfigSchema } from './config.js';
import { LineageResolver } from './resolver.js';
import { restoreLineage, snapshotLineage } from './snapshot.js';

const agent = jwt('agent', ['orders:read']);
const t0 = 1_767_000_000_000;
const anonymous = { id: 'anonymous:10.1.2.3', kind: 'unknown' as const, scopes: [] };

/** The caller's outbound sidecar: it names the upstream but neither the caller nor the token's claims. */
function outbound(id: string, ts: number, extra: Partial<HopEvent> = {}): HopEvent {
  return {
    ...hop({
      id,
      ts,
      credential: anonymous,
      to: 'outbound|8080||orders.shop.svc.cluster.local',
      durationMs: 52,
    }),
    requestId: 'req-1',
    observer: 'outbound',
    traceId: 't',
    parentSpanId: 'caller-span',
    ...extra,
  };
}

/** The callee's inbound sidecar: the peer SAN names the caller, jwt_authn the token. */
function inbound(id: string, ts: number, extra: Partial<HopEvent> = {}): HopEvent {
  return {
    ...hop({
      id,
      ts,
      credential: agent,
      from: 'spiffe://td/ns/ai/sa/agent',
      to: 'orders:8080',
      durationMs: 50,
    }),
    requestId: 'req-1',
    observer: 'inbound',
    traceId: 't',
    parentSpanId: 'caller-span',
    ...extra,
  };
}

function run(events: HopEvent[], config = {}) {
  const resolved: ResolvedHop[] = [];
  const resolver = new LineageResolver(lineageConfigSchema.parse(config), (hop) => resolved.push(hop));
  for (const event of events) resolver.observe(event);
  resolver.flush();
  return { resolved, stats: resolver.stats() };
}

describe('one request seen at several observation points', () => {
  it('is one hop with the identity of both sides, whichever side arrives first', () => {
    const sides = [outbound('out', t0), inbound('in', t0 + 1)];
    const first = run(sides);
    const reversed = run([...sides].reverse());
    expect(first.resolved).toHaveLength(1);
    expect(reversed.resolved).toEqual(first.resolved);
    expect(first.resolved[0]).toMatchObject({
      id: 'out',
      ts: t0,
      credential: agent,
      originCredential: agent.id,
      source: { workload: 'spiffe://td/ns/ai/sa/agent' },
      destination: { service: 'outbound|8080||orders.shop.svc.cluster.local' },
      observedAs: ['in'],
    });
    expect(first.stats.mergedObservations).toBe(1);
  });

  it('merges requests without trace context too, once the watermark has passed them', () => {
    const untraced = (event: HopEvent) => ({ ...event, traceId: undefined, parentSpanId: undefined });
    const { resolved } = run([untraced(inbound('in', t0 + 1)), untraced(outbound('out', t0))]);
    expect(resolved).toHaveLength(1);
    expect(resolved[0]).toMatchObject({ id: 'out', credential: agent, observedAs: ['in'] });
  });

  it('keeps apart different requests, other destinations and the same id at another time', () => {
    const { resolved } = run([
      outbound('out', t0),
      inbound('other-request', t0 + 1, { requestId: 'req-2' }),
      inbound('other-service', t0 + 1, { destination: { ...inbound('x', 0).destination, service: 'stock' } }),
      inbound('later', t0 + 60_000),
    ]);
    expect(resolved.map((hop) => hop.id).sort()).toEqual(['later', 'other-request', 'other-service', 'out']);
  });

  it('keeps apart records of one request id logged at the same point: a caller may send an id many times', () => {
    // Forty concurrent calls with one x-request-id, each logged by both sidecars.
    const calls = Array.from({ length: 40 }, (_, index) => [
      outbound(`out-${index}`, t0 + index),
      inbound(`in-${index}`, t0 + index + 1),
    ]);
    for (const order of [calls.flat(), [...calls.map(([out]) => out!), ...calls.map(([, into]) => into!)]]) {
      const { resolved, stats } = run(order);
      expect(resolved).toHaveLength(40);
      expect(stats.mergedObservations).toBe(40);
      expect(resolved.every((hop) => hop.observedAs?.length === 1)).toBe(true);
    }
    const untraced = (event: HopEvent) => ({ ...event, traceId: undefined, parentSpanId: undefined });
    expect(run(calls.flat().map(untraced)).resolved).toHaveLength(40);
    // Records without an observer are their format's: canonical records of one id never merge.
    const canonical = (event: HopEvent) => ({ ...event, observer: undefined });
    expect(run(calls.flat().map(canonical)).resolved).toHaveLength(80);
  });

  it('counts an observation arriving after its hop was settled once, without judging it again', () => {
    const resolved: ResolvedHop[] = [];
    const resolver = new LineageResolver(lineageConfigSchema.parse({}), (hop) => resolved.push(hop));
    resolver.observe(inbound('in', t0 + 1));
    resolver.advance(t0 + 10_000);
    resolver.observe(outbound('out', t0));
    // The same request id from the inbound side again, while the settled hop still runs: another call.
    resolver.observe(inbound('in-again', t0 + 20));
    resolver.flush();
    expect(resolved.map((hop) => hop.id)).toEqual(['in', 'in-again']);
    expect(resolver.stats().mergedObservations).toBe(1);
  });

  it('survives a snapshot with one side seen and merges the other after restore', () => {
    const config = lineageConfigSchema.parse({});
    for (const traceId of ['t', undefined]) {
      const original = new LineageResolver(config, () => undefined);
      original.observe(inbound('in', t0 + 1, { traceId }));
      const saved = JSON.parse(JSON.stringify(snapshotLineage(original)));
      const resolved: ResolvedHop[] = [];
      const restored = new LineageResolver(config, (hop) => resolved.push(hop));
      restoreLineage(restored, saved);
      restored.observe(outbound('out', t0, { traceId }));
      restored.observe(inbound('in-again', t0 + 2, { traceId }));
      restored.flush();
      expect(resolved.map((hop) => hop.id)).toEqual(['out', 'in-again']);
      expect(resolved[0]).toMatchObject({ id: 'out', credential: agent, observedAs: ['in'] });
    }
  });
});

describe('parents when the log names no caller', () => {
  it('takes the tightest earlier hop enclosing the whole call, inferred with partial confidence', () => {
    const { resolved } = run([
      hop({
        id: 'root',
        ts: t0,
        durationMs: 10_000,
        credential: agent,
        to: 'planner',
        traceId: 't',
        spanId: 's',
      }),
      hop({ id: 'inner', ts: t0 + 100, durationMs: 2_000, credential: agent, to: 'research', traceId: 't' }),
      hop({ id: 'leaf', ts: t0 + 200, durationMs: 300, credential: agent, to: 'search', traceId: 't' }),
      hop({ id: 'sibling', ts: t0 + 250, durationMs: 5_000, credential: agent, to: 'docs', traceId: 't' }),
    ]);
    const byId = new Map(resolved.map((hop) => [hop.id, hop]));
    expect(byId.get('inner')).toMatchObject({ parentId: 'root', parentInferred: true, depth: 1 });
    expect(byId.get('leaf')).toMatchObject({ parentId: 'inner', depth: 2, originConfidence: 'partial' });
    // It overlaps `inner` but outlasts it: a concurrent call, not one `inner` made.
    expect(byId.get('sibling')).toMatchObject({ parentId: 'root', depth: 1 });
  });
});

describe('MCP sessions without trace context', () => {
  it('group a session’s calls under its first one, and keep sessions apart', () => {
    const call = (id: string, ts: number, sessionId: string): HopEvent => ({
      ...hop({ id, ts, credential: agent, from: 'agent', to: 'mcp-tools', protocol: 'mcp', tool: 'search' }),
      sessionId,
    });
    const { resolved } = run([call('a1', t0, 'A'), call('a2', t0 + 1_000, 'A'), call('b1', t0 + 500, 'B')]);
    const byId = new Map(resolved.map((hop) => [hop.id, hop]));
    expect(byId.get('a1')).toMatchObject({ depth: 0, traceId: 'mcp-session:A', sessionId: 'A' });
    expect(byId.get('a2')).toMatchObject({ parentId: 'a1', parentInferred: true, depth: 1 });
    expect(byId.get('b1')).toMatchObject({ depth: 0, traceId: 'mcp-session:B' });
  });
});
