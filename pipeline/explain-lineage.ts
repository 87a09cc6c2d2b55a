import { isSessionTrace } from '../lineage/trace-state.js';
import { callerOf, type HopEvent } from '../schemas/hop-event.js';
import type { PathStep, ResolvedHop } from '../schemas/resolved-hop.js';

export type ParentBasis = 'exact' | 'inferred' | 'timing' | 'partial' | 'root';

/** Where lineage put a hop and why, read back from the hop it resolved. */
export type LineageAccount = {
  hopId: string;
  traceId: string | null;
  parent: string | null;
  parentBasis: ParentBasis;
  why: string;
  originCredential: string;
  originConfidence: ResolvedHop['originConfidence'];
  originWhy: string;
  depth: number;
  path: PathStep[];
  /** Other records of the same request merged into this hop. */
  observedAs: string[];
  /** The credential and caller of the hop as judged: with other observation points merged in, maybe not this record's own. */
  judgedAs: { credential: string; caller: string | null };
};

export function describeLineage(event: HopEvent, hop: ResolvedHop): LineageAccount {
  const { basis, why } = parentOf(event, hop);
  return {
    hopId: hop.id,
    traceId: hop.traceId ?? null,
    parent: hop.parentId ?? null,
    parentBasis: basis,
    why,
    originCredential: hop.originCredential,
    originConfidence: hop.originConfidence,
    originWhy: originOf(hop),
    depth: hop.depth,
    path: hop.path,
    observedAs: hop.observedAs ?? [],
    judgedAs: { credential: hop.credential.id, caller: hop.source.workload ?? hop.source.agent ?? null },
  };
}

function parentOf(event: HopEvent, hop: ResolvedHop): { basis: ParentBasis; why: string } {
  const merged =
    hop.id === event.id
      ? ''
      : ` (this record was merged into hop ${hop.id}, the same request seen at another observation point)`;
  if (hop.traceId === undefined) {
    return {
      basis: 'root',
      why: `No trace context and no MCP session: the hop is its own root${merged}.`,
    };
  }
  if (hop.parentId !== undefined && !hop.parentInferred) {
    return {
      basis: 'exact',
      why: `Its parent span ${hop.parentSpanId} is the span of hop ${hop.parentId}${merged}.`,
    };
  }
  if (hop.parentId !== undefined) {
    const caller = callerOf(hop.source);
    if (isSessionTrace(hop.traceId) && hop.parentId === hop.path[0]?.hopId) {
      return {
        basis: 'inferred',
        why: `A call of MCP session ${hop.sessionId}, under the session’s first call ${hop.parentId}${merged}.`,
      };
    }
    return caller === undefined
      ? {
          basis: 'timing',
          why: `The log names no caller: the parent is the tightest earlier hop of the trace whose time interval encloses this call, ${hop.parentId}${merged}.`,
        }
      : {
          basis: 'inferred',
          why: `The caller ${caller} is the destination of hop ${hop.parentId}, whose time interval holds this call’s start (the tightest such)${merged}.`,
        };
  }
  if (hop.depth > 0) {
    return {
      basis: 'partial',
      why: `Its ancestors did not arrive within lineage.graceMs: attached to the trace’s oldest root ${hop.path[0]?.hopId}${merged}.`,
    };
  }
  const why =
    event.parentSpanId === undefined
      ? 'It names no parent span: the root of its trace'
      : 'No hop of the trace is its parent (its parent span is the caller’s own, or never arrived) and it is a call of the trace’s originator: a root';
  return { basis: 'root', why: `${why}${merged}.` };
}

function originOf(hop: ResolvedHop): string {
  if (hop.delegation !== undefined && hop.delegation[0] === hop.originCredential) {
    return 'The first element of its delegation chain (RFC 8693 act claims or an on-behalf-of header), whatever the trace says.';
  }
  if (hop.depth === 0) return 'Its own credential: it is a root.';
  const root = hop.path[0];
  return `The credential of the root hop ${root?.hopId} (${root?.credential}), inherited down the path.`;
}
