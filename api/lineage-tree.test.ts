import { describe, expect, it } from 'vitest';
import type { ResolvedHop } from '../schemas/resolved-hop.js';
import { buildTraceTree } from './lineage-tree.js';
import type { TraceNode } from './schemas.js';

function hop(id: string, ts: number, parentId?: string, parentInferred = false): ResolvedHop {
  return {
    id,
    ts,
    traceId: 't1',
    credential: { id: `cred-${id}`, kind: 'service_account', scopes: [] },
    source: { workload: `caller-of-${id}` },
    destination: { service: `svc-${id}`, method: 'GET', path: '/', protocol: 'http' },
    status: 200,
    origin: { format: 'canonical' },
    originCredential: 'jwt:https://idp|alice',
    originConfidence: 'exact',
    parentId,
    parentInferred,
    depth: 0,
    path: [],
  };
}

const shape = (node: TraceNode): unknown => ({
  id: node.hop.id,
  inferred: node.inferred,
  children: node.children.map(shape),
});

describe('buildTraceTree', () => {
  it('nests hops under their parents in time order and marks inferred edges', () => {
    const tree = buildTraceTree('t1', [
      hop('c', 30, 'a', true),
      hop('b', 20, 'a'),
      hop('a', 10),
      hop('d', 40, 'b'),
    ]);
    expect(tree.hopCount).toBe(4);
    expect(tree.originCredentials).toEqual(['jwt:https://idp|alice']);
    expect(tree.roots.map(shape)).toEqual([
      {
        id: 'a',
        inferred: false,
        children: [
          { id: 'b', inferred: false, children: [{ id: 'd', inferred: false, children: [] }] },
          { id: 'c', inferred: true, children: [] },
        ],
      },
    ]);
    expect(tree.roots[0]?.hop).not.toHaveProperty('path');
  });

  it('makes a hop whose parent was never stored a root of its own', () => {
    const tree = buildTraceTree('t1', [hop('a', 10), hop('x', 5, 'evicted')]);
    expect(tree.roots.map((node) => node.hop.id)).toEqual(['x', 'a']);
  });

  it('keeps every hop exactly once when bad data forms a parent cycle', () => {
    const tree = buildTraceTree('t1', [hop('a', 10, 'b'), hop('b', 20, 'a'), hop('a', 10, 'b')]);
    const ids: string[] = [];
    const stack = [...tree.roots];
    while (stack.length > 0) {
      const node = stack.pop()!;
      ids.push(node.hop.id);
      stack.push(...node.children);
    }
    expect(ids.sort()).toEqual(['a', 'b']);
    expect(tree.hopCount).toBe(2);
  });
});
