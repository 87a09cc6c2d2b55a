import { callerOf } from '../schemas/hop-event.js';
import type { ResolvedHop } from '../schemas/resolved-hop.js';
import type { DetectorNote } from './types.js';

/** A destination as detectors count it: the service, or service:tool for MCP tools and A2A skills. */
export function destinationKey(hop: ResolvedHop): string {
  const { service, tool } = hop.destination;
  return tool === undefined ? service : `${service}:${tool}`;
}

/** Keys a memo below keeps for the hops that follow before it starts over. */
const recentKeys = 16_384;

/**
 * destinationKey, one string per tool of a service (the service's own name where there is no tool),
 * for the windows that keep destinations: see CallKeys. Bounded: past `limit` keys it starts over.
 */
export class DestinationKeys {
  private readonly byService = new Map<string, Map<string, string>>();
  private size = 0;

  constructor(private readonly limit = recentKeys) {}

  of(hop: ResolvedHop): string {
    const { service, tool } = hop.destination;
    if (tool === undefined) return service;
    if (this.size >= this.limit) {
      this.byService.clear();
      this.size = 0;
    }
    const byTool = within(this.byService, service);
    let key = byTool.get(tool);
    if (key === undefined) {
      key = [service, tool].join(':');
      byTool.set(tool, key);
      this.size++;
    }
    return key;
  }
}

/**
 * One kind of call: caller -> destination, method and route (the path without its query string).
 * Windows keep these keys a while, so the key is one flat string of one-byte characters: `join` makes
 * it so, where a template leaves a chain of six pieces (holding the whole path its route was cut from)
 * and an arrow character would make every character two bytes (about 40 bytes more a key).
 */
export function callKey(hop: ResolvedHop): string {
  return [callerKey(hop), '->', destinationKey(hop), hop.destination.method, callTarget(hop)].join(' ');
}

/** Who made the call, as lineage names a caller; the credential when the log names no caller. */
function callerKey(hop: ResolvedHop): string {
  return callerOf(hop.source) ?? hop.credential.id;
}

function callTarget(hop: ResolvedHop): string {
  const { path, route } = hop.destination;
  if (route !== undefined) return route;
  const query = path.indexOf('?');
  return query === -1 ? path : path.slice(0, query);
}

type ByCaller = Map<string, string>;
type ByTarget = Map<string, ByCaller>;
type ByMethod = Map<string, ByTarget>;
type ByTool = Map<string | undefined, ByMethod>;

/**
 * callKey, one string per kind of call, found by its parts: a few dozen kinds of call make most of
 * the traffic, and a key built for every hop (about 0.4 µs, a two-byte string for its arrow) was
 * kept by every window that counted it, promoted with the window and collected after: counting
 * calls was a tenth of `hopwatch detect`'s CPU. The parts that take few values come first and the
 * caller last, so that many callers (one agent per credential) add entries, not maps. Bounded: past
 * `limit` keys it starts over.
 */
export class CallKeys {
  private readonly byService = new Map<string, ByTool>();
  private size = 0;

  constructor(private readonly limit = recentKeys) {}

  of(hop: ResolvedHop): string {
    if (this.size >= this.limit) {
      this.byService.clear();
      this.size = 0;
    }
    const { service, tool, method } = hop.destination;
    const byCaller = within(within(within(within(this.byService, service), tool), method), callTarget(hop));
    const caller = callerKey(hop);
    let key = byCaller.get(caller);
    if (key === undefined) {
      key = callKey(hop);
      byCaller.set(caller, key);
      this.size++;
    }
    return key;
  }
}

function within<K, V extends Map<unknown, unknown>>(map: Map<K, V>, key: K): V {
  let inner = map.get(key);
  if (inner === undefined) {
    inner = new Map() as V;
    map.set(key, inner);
  }
  return inner;
}

/** Key of one root action: the origin credential and the trace (NUL cannot occur in either). */
export function rootActionKey(hop: ResolvedHop): string | undefined {
  return hop.traceId === undefined ? undefined : actionKey(hop.originCredential, hop.traceId);
}

/**
 * Whether the hop can be the root of its root action: the top of its lineage, or the hop whose
 * delegation names the origin. The first hop seen of an action is another one when the action's
 * anchor was forgotten (a pause of more than its idle windows, a task moved along to newer event
 * time): what it holds is the rest of the action, not the whole, and its token not the grant.
 */
export function isActionRoot(hop: ResolvedHop): boolean {
  return hop.depth === 0 || hop.delegation?.[0] === hop.originCredential;
}

/**
 * Joined, not templated: a template of one-byte strings is a chain of its pieces, 32 bytes a join,
 * for as long as the key is kept (`toWellFormed` copies two-byte strings only); `join` makes one flat
 * string.
 */
export function actionKey(originCredential: string, traceId: string): string {
  return [originCredential, traceId].join('\u0000');
}

/** A root-action key as an analyst reads it. */
export function describeRootAction(key: string): string {
  return key.replace('\u0000', ' · trace ');
}

/** Why a per-root-action detector holds nothing for a hop. */
export function uncountedRootAction(key: string | undefined, what: string): DetectorNote {
  return {
    counted: false,
    note:
      key === undefined
        ? `${what} per root action (origin and trace); this hop has no trace.`
        : `${what} per root action; its root action had no open window left for it (closed or evicted).`,
  };
}

/** Root actions are anchored at their first hop; the anchor is forgotten once idle for this many windows. */
export const rootAnchorIdleWindows = 2;
