import { describe, expect, it } from 'vitest';
import { hop, jwt } from '../test/kits/detectors/traffic.js';
import { lineageConfigSchema } from './config.js';
import { LineageResolver } from './resolver.js';
import { hopIdHash, SeenHops } from './seen-hops.js';
import { restoreLineage, snapshotLineage } from './snapshot.js';

const agent = jwt('agent', ['orders:read']);
const t0 = 1_767_000_000_000;

function resolverInto(ids: string[], config = {}): LineageResolver {
  return new LineageResolver(lineageConfigSchema.parse(config), (resolved) => ids.push(resolved.id));
}

describe('copies of a hop', () => {
  it('a traceless hop posted twice is judged once', () => {
    const ids: string[] = [];
    const resolver = resolverInto(ids);
    const event = hop({ id: 'no-trace', ts: t0, credential: agent, to: 'orders' });
    resolver.observe(event);
    resolver.advance(t0 + 60_000);
    resolver.observe(event);
    resolver.flush();
    expect(ids).toEqual(['no-trace']);
    expect(resolver.stats().duplicateHops).toBe(1);
  });

  it('a hop whose trace has expired is still a copy within the horizon, and new again past it', () => {
    const ids: string[] = [];
    const resolver = resolverInto(ids, { traceTtlMs: 1_000, seenHopsMs: 120_000 });
    const event = hop({ id: 'old', ts: t0, credential: agent, to: 'orders', traceId: 't' });
    resolver.observe(event);
    resolver.advance(t0 + 60_000);
    expect(resolver.stats().trackedTraces).toBe(0);
    resolver.observe(event);
    resolver.advance(t0 + 300_000);
    resolver.observe(event);
    resolver.flush();
    expect(ids).toEqual(['old', 'old']);
    expect(resolver.stats().duplicateHops).toBe(1);
  });

  it('the ids remembered survive a snapshot', () => {
    const resolver = resolverInto([]);
    resolver.observe(hop({ id: 'kept', ts: t0, credential: agent, to: 'orders' }));
    const snapshot = JSON.parse(JSON.stringify(snapshotLineage(resolver)));
    const ids: string[] = [];
    const restored = resolverInto(ids);
    restoreLineage(restored, snapshot);
    restored.observe(hop({ id: 'kept', ts: t0, credential: agent, to: 'orders' }));
    restored.observe(hop({ id: 'new', ts: t0, credential: agent, to: 'orders' }));
    restored.flush();
    expect(ids).toEqual(['new']);
  });

  it('keeps at most maxIds, forgetting the oldest first', () => {
    const seen = new SeenHops(60_000, 3);
    for (const id of ['a', 'b', 'c', 'd']) expect(seen.checkAndRemember(id, t0)).toBe(false);
    expect(seen.size).toBe(3);
    expect(seen.checkAndRemember('d', t0)).toBe(true);
    expect(seen.checkAndRemember('a', t0)).toBe(false);
  });

  it('grows past its first buffer and keeps arrival order across the wrap', () => {
    const seen = new SeenHops(1_000, 5_000);
    for (let i = 0; i < 3_000; i++) seen.checkAndRemember(`h${i}`, t0 + i);
    seen.expire(t0 + 2_000);
    expect(seen.size).toBe(1_999);
    expect(seen.checkAndRemember('h1000', t0)).toBe(false);
    expect(seen.checkAndRemember('h1001', t0)).toBe(true);
  });

  it('hashes distinct ids apart', () => {
    const hashes = new Set<number>();
    for (let i = 0; i < 200_000; i++) hashes.add(hopIdHash(`${t0 + i}-hop-${i % 97}`));
    expect(hashes.size).toBe(200_000);
    expect(Number.isSafeInteger(hopIdHash('x'.repeat(500)))).toBe(true);
  });
});
