import type { ResolvedHop } from '../schemas/resolved-hop.js';
import type { TraceNode } from './schemas.js';

export type TraceTree = {
  traceId: string;
  hopCount: number;
  originCredentials: string[];
  roots: TraceNode[];
};

function toNode(hop: ResolvedHop): TraceNode {
  const { path: _path, ...rest } = hop;
  return { hop: rest, inferred: hop.parentInferred, children: [] };
}

const byTime = (a: TraceNode, b: TraceNode): number =>
  a.hop.ts - b.hop.ts || a.hop.id.localeCompare(b.hop.id);

/**
 * Rebuilds the call tree of one trace from its stored hops by `parentId`. Hops whose parent is not
 * stored (evicted, never seen) become roots; a parent cycle in bad data is cut where it is found, so
 * every hop appears exactly once. Built without recursion: deep chains are what an attack looks like.
 */
export function buildTraceTree(traceId: string, hops: ResolvedHop[]): TraceTree {
  const nodes = new Map<string, TraceNode>();
  for (const hop of hops) if (!nodes.has(hop.id)) nodes.set(hop.id, toNode(hop));
  const roots: TraceNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.hop.parentId === undefined ? undefined : nodes.get(node.hop.parentId);
    if (parent === undefined || parent === node) roots.push(node);
    else parent.children.push(node);
  }
  const reached = sortAndCollect(roots);
  for (const node of nodes.values()) {
    if (reached.has(node)) continue;
    // Only a parent cycle leaves a node unreached: detach it from its parent and start a tree there.
    const parent = nodes.get(node.hop.parentId ?? '');
    if (parent !== undefined) parent.children = parent.children.filter((child) => child !== node);
    roots.push(node);
    for (const added of sortAndCollect([node])) reached.add(added);
  }
  roots.sort(byTime);
  const origins = new Set<string>();
  for (const node of nodes.values()) origins.add(node.hop.originCredential);
  return { traceId, hopCount: nodes.size, originCredentials: [...origins].sort(), roots };
}

/** Orders every node's children by time and returns the set of nodes reachable from `roots`. */
function sortAndCollect(roots: TraceNode[]): Set<TraceNode> {
  const reached = new Set<TraceNode>();
  const stack = [...roots];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (reached.has(node)) continue;
    reached.add(node);
    node.children.sort(byTime);
    for (const child of node.children) stack.push(child);
  }
  return reached;
}
