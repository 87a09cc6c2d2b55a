import { describe, expect, it } from 'vitest';
import type { HopEvent } from '../schemas/hop-event.js';
import type { ResolvedHop } from '../schemas/resolved-hop.js';
import { type HopSpec, hop, jwt, mtls } from '../test/kits/detectors/traffic.js';
import { lineageConfigSchema } from './config.js';
import { LineageResolver } from './resolver.js';
import { restoreLineage, snapshotLineage } from './snapshot.js';

const agent = jwt('agent', ['orders:read']);
const t0 = 1_767_000_000_000;

/** The agent calling the orders service in trace `t`: the root of most traces here. */
function agentCall(spec: Pick<HopSpec, 'id' | 'ts'> & Partial<HopSpec>): HopEvent {
  return hop({ credential: agent, from: 'agent', to: 'orders', traceId: 't', ...spec });
}

/** A hop of trace `t` whose parent span never arrives. */
function lostHop(): HopEvent {
  return hop({
    id: 'orphan',
    ts: t0 + 300,
    credential: mtls('shop', 'stock'),
    from: 'stock',
    to: 'warehouse',
    traceId: 't',
    spanId: 'o',
    parentSpanId: 'lost',
  });
}

function resolveAll(events: HopEvent[], config = {}): Map<string, ResolvedHop> {
  const resolved = new Map<string, ResolvedHop>();
  const resolver = new LineageResolver(lineageConfigSchema.parse(config), (hop) => resolved.set(hop.id, hop));
  for (const event of events) {
    resolver.observe(event);
    resolver.advance(event.ts - 10_000);
  }
  resolver.flush();
  return resolved;
}

describe('lineage', () => {
  it('keeps the root and the steps nearest the hop when a path is longer than maxPathSteps', () => {
    const services = ['orders', 's1', 's2', 's3', 's4', 's5'];
    const chain = services.slice(1).map((to, index) =>
      hop({
        id: `h${index + 1}`,
        ts: t0 + 10 * (index + 1),
        credential: mtls('shop', services[index]!),
        from: services[index]!,
        to,
        traceId: 't',
        spanId: `span${index + 1}`,
        parentSpanId: `span${index}`,
      }),
    );
    const events = [agentCall({ id: 'h0', ts: t0, spanId: 'span0' }), ...chain];
    const steps = (config: object, id: string) =>
      resolveAll(events, config)
        .get(id)!
        .path.map((step) => step.hopId);
    expect(steps({}, 'h5')).toEqual(['h0', 'h1', 'h2', 'h3', 'h4', 'h5']);
    expect(steps({ maxPathSteps: 3 }, 'h5')).toEqual(['h0', 'h4', 'h5']);
    expect(steps({ maxPathSteps: 3 }, 'h2')).toEqual(['h0', 'h1', 'h2']);
    expect(steps({ maxPathSteps: 2 }, 'h1')).toEqual(['h0', 'h1']);
    expect(steps({ maxPathSteps: 2 }, 'h0')).toEqual(['h0']);
  });

  it('links spans exactly and carries the root credential down the tree', () => {
    const resolved = resolveAll([
      agentCall({ id: 'a', ts: t0, spanId: 's1' }),
      hop({
        id: 'b',
        ts: t0 + 10,
        credential: mtls('shop', 'orders'),
        from: 'orders',
        to: 'stock',
        traceId: 't',
        spanId: 's2',
        parentSpanId: 's1',
      }),
    ]);
    const child = resolved.get('b')!;
    expect(child.originCredential).toBe(agent.id);
    expect(child).toMatchObject({
      parentId: 'a',
      parentInferred: false,
      depth: 1,
      originConfidence: 'exact',
    });
    expect(child.path.map((step) => step.hopId)).toEqual(['a', 'b']);
  });

  it('infers the parent of a gateway record from the caller workload, the tightest interval winning', () => {
    const resolved = resolveAll([
      agentCall({ id: 'long', ts: t0, durationMs: 5_000 }),
      agentCall({ id: 'short', ts: t0 + 100, durationMs: 500 }),
      hop({
        id: 'call',
        ts: t0 + 200,
        credential: mtls('shop', 'orders'),
        from: 'spiffe://shop.example/ns/shop/sa/orders',
        to: 'stock',
        traceId: 't',
        parentSpanId: 'caller-span-never-logged',
      }),
    ]);
    expect(resolved.get('call')).toMatchObject({ parentId: 'short', parentInferred: true, depth: 1 });
    expect(resolved.get('call')!.originCredential).toBe(agent.id);
  });

  it('prefers an exact span link over an inferred parent', () => {
    const resolved = resolveAll([
      agentCall({ id: 'p1', ts: t0, durationMs: 5_000, spanId: 'x' }),
      agentCall({ id: 'p2', ts: t0 + 50, durationMs: 100 }),
      hop({
        id: 'c',
        ts: t0 + 60,
        credential: agent,
        from: 'orders',
        to: 'stock',
        traceId: 't',
        spanId: 'y',
        parentSpanId: 'x',
      }),
    ]);
    expect(resolved.get('c')).toMatchObject({ parentId: 'p1', parentInferred: false });
  });

  it('takes the origin from the delegation chain whatever the trace says', () => {
    const resolved = resolveAll([
      hop({
        id: 'a',
        ts: t0,
        credential: jwt('svc', []),
        delegation: ['jwt:human|alice'],
        to: 'x',
        traceId: 't',
      }),
    ]);
    expect(resolved.get('a')!.originCredential).toBe('jwt:human|alice');
  });

  it('makes a hop without trace context its own root', () => {
    const resolved = resolveAll([hop({ id: 'solo', ts: t0, credential: agent, to: 'orders' })]);
    expect(resolved.get('solo')).toMatchObject({
      depth: 0,
      originCredential: agent.id,
      parentInferred: false,
    });
    expect(resolved.get('solo')!.path).toEqual([
      { hopId: 'solo', service: 'orders', workload: undefined, credential: agent.id },
    ]);
  });

  it('waits for an ancestor arriving after its child and then links them exactly', () => {
    const child = hop({
      id: 'child',
      ts: t0 + 100,
      credential: mtls('shop', 'orders'),
      from: 'orders',
      to: 'stock',
      traceId: 't',
      spanId: 'c',
      parentSpanId: 'p',
    });
    const parent = agentCall({ id: 'parent', ts: t0, spanId: 'p' });
    const resolved = resolveAll([child, parent]);
    expect(resolved.get('child')).toMatchObject({ parentId: 'parent', originConfidence: 'exact' });
    expect(resolved.get('child')!.originCredential).toBe(agent.id);
  });

  it('resolves a hop whose ancestors never come against the oldest root, with partial confidence', () => {
    const resolved = resolveAll([agentCall({ id: 'root', ts: t0 }), lostHop()]);
    expect(resolved.get('orphan')).toMatchObject({
      originConfidence: 'partial',
      parentId: undefined,
      depth: 1,
    });
    expect(resolved.get('orphan')!.originCredential).toBe(agent.id);
  });

  it('attaches a lost hop of a long trace to its oldest root, also once the trace is restored from a snapshot', () => {
    const config = lineageConfigSchema.parse({});
    // Past the few hops a trace searches one by one: the trace keeps an index, and its roots in it.
    const calls = Array.from({ length: 20 }, (_, index) =>
      hop({
        id: `call${index}`,
        ts: t0 + 10 + index,
        credential: mtls('shop', 'orders'),
        from: 'orders',
        to: `service${index}`,
        traceId: 't',
        spanId: `c${index}`,
        parentSpanId: 'r',
      }),
    );
    const orphan = lostHop();
    const events = [agentCall({ id: 'root', ts: t0, spanId: 'r' }), ...calls];
    const live = new Map<string, ResolvedHop>();
    const original = new LineageResolver(config, (resolved) => live.set(resolved.id, resolved));
    for (const event of events) original.observe(event);
    const saved = JSON.parse(JSON.stringify(snapshotLineage(original)));
    original.observe(orphan);
    original.flush();

    const afterRestore = new Map<string, ResolvedHop>();
    const restored = new LineageResolver(config, (resolved) => afterRestore.set(resolved.id, resolved));
    restoreLineage(restored, saved);
    restored.observe(orphan);
    restored.flush();
    for (const resolved of [live.get('orphan'), afterRestore.get('orphan')]) {
      expect(resolved).toMatchObject({ originConfidence: 'partial', originCredential: agent.id, depth: 1 });
      expect(resolved!.path.map((step) => step.hopId)).toEqual(['root', 'orphan']);
    }
  });

  it('treats further calls of the trace originator as sibling roots, not as lost hops', () => {
    const resolved = resolveAll([
      agentCall({ id: 'first', ts: t0 }),
      agentCall({ id: 'second', ts: t0 + 500, to: 'billing' }),
    ]);
    expect(resolved.get('second')).toMatchObject({ depth: 0, originConfidence: 'exact' });
  });

  it('counts a hop seen twice once', () => {
    const event = hop({ id: 'dup', ts: t0, credential: agent, to: 'orders', traceId: 't', spanId: 's' });
    const seen: string[] = [];
    const resolver = new LineageResolver(lineageConfigSchema.parse({}), (resolved) => seen.push(resolved.id));
    resolver.observe(event);
    resolver.observe(event);
    resolver.flush();
    expect(seen).toEqual(['dup']);
    expect(resolver.stats().duplicateHops).toBe(1);
  });

  it('keeps at most maxTraces traces, evicting the least recently used and resolving their waiting hops', () => {
    const seen: string[] = [];
    const resolver = new LineageResolver(lineageConfigSchema.parse({ maxTraces: 10 }), (resolved) =>
      seen.push(resolved.id),
    );
    for (let index = 0; index < 100; index++) {
      resolver.observe(
        hop({ id: `h${index}`, ts: t0 + index, credential: agent, to: 'x', traceId: `t${index}` }),
      );
    }
    expect(resolver.stats()).toMatchObject({ trackedTraces: 10, evictedTraces: 90 });
    expect(seen).toHaveLength(90);
    resolver.flush();
    expect(seen).toHaveLength(100);
  });

  it('rebuilds the same state from a JSON snapshot', () => {
    const config = lineageConfigSchema.parse({});
    const events = [
      agentCall({ id: 'a', ts: t0, durationMs: 1_000 }),
      hop({ id: 'b', ts: t0 + 100, credential: agent, from: 'orders', to: 'stock', traceId: 't' }),
    ];
    const before: ResolvedHop[] = [];
    const original = new LineageResolver(config, (resolved) => before.push(resolved));
    original.observe(events[0]!);
    const saved = JSON.parse(JSON.stringify(snapshotLineage(original)));
    const after: ResolvedHop[] = [];
    const restored = new LineageResolver(config, (resolved) => after.push(resolved));
    restoreLineage(restored, saved);
    restored.observe(events[1]!);
    restored.flush();
    expect(after.find((resolved) => resolved.id === 'b')).toMatchObject({
      parentId: 'a',
      parentInferred: true,
    });
  });
});
