import { IdleMap, type IdleMapSnapshot } from '../common/idle-map.js';
import type { JsonOut } from '../common/json-slices.js';
import type { ResolvedHop } from '../schemas/resolved-hop.js';
import { actionKey } from './hop-keys.js';
import type { KeyedWindows, WindowPlace } from './window.js';

/** What a per-root-action window knows of its action: empty origin until its first hop. */
export type RootActionWindow = WindowPlace & { origin: string; traceId: string; late: number };

type RootAction = { key: string; anchor: number; starts: boolean };

/** Where a hop falls among its root action's windows (see `windowOf`). */
type Placement<Acc> = { window: Acc; anchor: number; starts: boolean; opened: boolean };

/** Traces whose root-action key is kept for the hops that follow: more than are in flight at once. */
const recentTraces = 4_096;

/**
 * A hop's root-action key, built once per recent trace and origin and handed out as the same string
 * after. The anchors, the fan-out and recursion windows and the grants are maps keyed by it: a key
 * built for every hop was joined, flattened and hashed anew by each of them, where a string they have
 * met before keeps its hash and compares as the same object. Bounded: past `recentTraces` it starts over.
 */
class RecentRootKeys {
  private readonly byTrace = new Map<string, { origin: string; key: string }>();

  of(hop: ResolvedHop): string | undefined {
    const { traceId, originCredential } = hop;
    if (traceId === undefined) return undefined;
    const known = this.byTrace.get(traceId);
    if (known !== undefined && known.origin === originCredential) return known.key;
    const key = actionKey(originCredential, traceId);
    if (this.byTrace.size >= recentTraces) this.byTrace.clear();
    this.byTrace.set(traceId, { origin: originCredential, key });
    return key;
  }
}

/**
 * Where each root action (origin credential + trace) started. Lineage emits a root before its
 * descendants, so the first hop seen for a key is the root, and per-root windows are anchored at
 * its start: [root, root + window), then the following ones.
 *
 * One for the engine, shared by every detector that keeps state per root action: the detectors ask
 * for the same hop in turn and all get the answer the first one got (whether the hop starts its
 * action is decided once), and an action is remembered once, for the longest horizon any of them needs.
 */
export class RootAnchors {
  private readonly anchors: IdleMap<number>;
  private readonly keys = new RecentRootKeys();
  private lastHop: ResolvedHop | undefined;
  private lastHasAction = false;
  /**
   * The answers for the hop last asked about, rewritten for each hop (every detector reads them at
   * once and keeps none): three detectors asking for every hop would otherwise allocate four objects.
   */
  private readonly action: RootAction = { key: '', anchor: 0, starts: false };
  private readonly placement: Placement<RootActionWindow> = {
    window: { key: '', start: 0, sizeMs: 0, late: 0, origin: '', traceId: '' },
    anchor: 0,
    starts: false,
    opened: false,
  };

  constructor(maxEntries: number) {
    this.anchors = new IdleMap<number>({ idleMs: 0, maxEntries });
  }

  /** Keeps an action's anchor while it has been idle for less than `idleMs`; returns the shared anchors. */
  require(idleMs: number): this {
    this.anchors.keepIdleFor(idleMs);
    return this;
  }

  get size(): number {
    return this.anchors.size;
  }

  /**
   * The key and anchor of the hop's root action, and whether this hop started it (every later hop
   * of the action, descendant or sibling call of the originator, counts as one of its calls).
   * Undefined for hops without a trace. Valid until another hop is asked about.
   */
  anchorOf(hop: ResolvedHop): Readonly<RootAction> | undefined {
    if (hop !== this.lastHop) {
      this.lastHop = hop;
      this.lastHasAction = this.anchor(hop);
    }
    return this.lastHasAction ? this.action : undefined;
  }

  private anchor(hop: ResolvedHop): boolean {
    const key = this.keys.of(hop);
    if (key === undefined) return false;
    const { action } = this;
    action.key = key;
    const anchor = this.anchors.touch(key, hop.ts);
    action.starts = anchor === undefined;
    action.anchor = anchor ?? hop.ts;
    if (anchor === undefined) this.anchors.set(key, hop.ts, hop.ts);
    return true;
  }

  /**
   * The tumbling window of the hop's root action that holds it, aligned on the action's anchor, its
   * origin and trace named when it opens (`opened`); undefined for hops without a trace. Valid until
   * the next call.
   */
  windowOf<Acc extends RootActionWindow>(
    windows: KeyedWindows<Acc>,
    hop: ResolvedHop,
    windowMs: number,
  ): Readonly<Placement<Acc>> | undefined {
    const root = this.anchorOf(hop);
    if (root === undefined) return undefined;
    const window = windows.tumbling(root.key, hop.ts, windowMs, root.anchor);
    const placement = this.placement as Placement<Acc>;
    placement.opened = window.origin === '';
    if (placement.opened) {
      window.origin = hop.originCredential;
      window.traceId = hop.traceId ?? '';
    }
    placement.window = window;
    placement.anchor = root.anchor;
    placement.starts = root.starts;
    return placement;
  }

  /** Called by the engine, which owns the anchors, once its detectors have closed their windows. */
  expire(watermark: number): void {
    this.anchors.expire(watermark);
  }

  snapshot(): JsonOut<IdleMapSnapshot<number>> {
    return this.anchors.snapshot((anchor) => anchor);
  }

  restore(snapshot: IdleMapSnapshot<number>): void {
    this.anchors.restore(snapshot, (anchor) => anchor);
  }
}
