import { IdleMap, type IdleMapSnapshot } from '../common/idle-map.js';
import type { JsonOut } from '../common/json-slices.js';
import type { ResolvedHop } from '../schemas/resolved-hop.js';
import { rootActionKey } from './hop-keys.js';
import type { KeyedWindows } from './window.js';

/** What a per-root-action window knows of its action: empty origin until its first hop. */
export type RootActionWindow = { origin: string; traceId: string; late: number };

type RootAction = { key: string; anchor: number; starts: boolean };

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
  private lastHop: ResolvedHop | undefined;
  private lastAction: RootAction | undefined;

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
   * Undefined for hops without a trace.
   */
  anchorOf(hop: ResolvedHop): RootAction | undefined {
    if (hop !== this.lastHop) {
      this.lastHop = hop;
      this.lastAction = this.anchor(hop);
    }
    return this.lastAction;
  }

  private anchor(hop: ResolvedHop): RootAction | undefined {
    const key = rootActionKey(hop);
    if (key === undefined) return undefined;
    const anchor = this.anchors.touch(key, hop.ts);
    if (anchor !== undefined) return { key, anchor, starts: false };
    this.anchors.set(key, hop.ts, hop.ts);
    return { key, anchor: hop.ts, starts: true };
  }

  /**
   * The tumbling window of the hop's root action that holds it, aligned on the action's anchor, its
   * origin and trace named when it opens (`opened`); undefined for hops without a trace.
   */
  windowOf<Acc extends RootActionWindow>(
    windows: KeyedWindows<Acc>,
    hop: ResolvedHop,
    windowMs: number,
  ): { window: Acc; anchor: number; starts: boolean; opened: boolean } | undefined {
    const root = this.anchorOf(hop);
    if (root === undefined) return undefined;
    const window = windows.tumbling(root.key, hop.ts, windowMs, root.anchor);
    const opened = window.origin === '';
    if (opened) {
      window.origin = hop.originCredential;
      window.traceId = hop.traceId ?? '';
    }
    return { window, anchor: root.anchor, starts: root.starts, opened };
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
