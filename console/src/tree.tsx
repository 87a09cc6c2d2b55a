import { type HierarchyPointNode, hierarchy, tree } from 'd3-hierarchy';
import type { TraceNode, TraceTree } from './api.js';

const rowHeight = 34;
const columnWidth = 250;
const margin = 16;

type Node = { node: TraceNode | null; children: Node[] };

/**
 * Who called whom in one trace, left to right: each hop with its service, credential and scopes;
 * an inferred parenthood dashed; the hops the finding names highlighted.
 */
export function LineageTree({ trace, highlighted }: { trace: TraceTree; highlighted: ReadonlySet<string> }) {
  const wrap = (node: TraceNode): Node => ({ node, children: node.children.map(wrap) });
  const root = hierarchy<Node>({ node: null, children: trace.roots.map(wrap) }, (entry) => entry.children);
  const laidOut = tree<Node>().nodeSize([rowHeight, columnWidth])(root);
  const nodes = laidOut.descendants().filter((entry) => entry.data.node !== null);
  const xs = nodes.map((entry) => entry.x);
  const top = Math.min(0, ...xs) - rowHeight;
  const height = Math.max(0, ...xs) - top + rowHeight;
  const width = Math.max(1, ...nodes.map((entry) => entry.depth)) * columnWidth + margin * 2;
  const at = (entry: HierarchyPointNode<Node>) => ({
    x: (entry.depth - 1) * columnWidth + margin,
    y: entry.x - top,
  });
  return (
    <div class="tree-scroll">
      <svg
        class="lineage"
        width={width}
        height={height}
        role="img"
        aria-label={`call tree of trace ${trace.traceId}`}
      >
        {laidOut.links().map(({ source, target }) => {
          if (source.data.node === null) return null;
          const from = at(source);
          const to = at(target);
          const middle = (from.x + to.x) / 2;
          return (
            <path
              class={target.data.node?.inferred ? 'edge inferred' : 'edge'}
              d={`M${from.x},${from.y} C${middle},${from.y} ${middle},${to.y} ${to.x},${to.y}`}
            />
          );
        })}
        {nodes.map((entry) => {
          const { hop } = entry.data.node!;
          const { x, y } = at(entry);
          const offending = highlighted.has(hop.id);
          return (
            <g
              class={offending ? 'hop offending' : 'hop'}
              transform={`translate(${x},${y})`}
              data-hop-id={hop.id}
              data-inferred={String(entry.data.node!.inferred)}
            >
              <title>
                {`${hop.destination.method} ${hop.destination.path} → ${hop.status}\ncredential ${hop.credential.id}\nscopes ${hop.credential.scopes.join(' ') || '(none)'}`}
              </title>
              <circle r={6} />
              <text x={10} y={-3}>
                {hop.destination.tool
                  ? `${hop.destination.service} · ${hop.destination.tool}`
                  : hop.destination.service}
              </text>
              <text x={10} y={11} class="detail">
                {shorten(hop.credential.id, 28)}{' '}
                {hop.credential.scopes.length > 0 ? `[${shorten(hop.credential.scopes.join(' '), 20)}]` : ''}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
