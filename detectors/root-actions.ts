import { IdleMap, type IdleMapSnapshot } from '../common/idle-map.js';
import type { ResolvedHop } from '../schemas/resolved-hop.js';
import { rootActionKey } from './hop-keys.js';

/**
 * Where each root action (origin credential + trace) started. Lineage emits a root before its
 * descendants, so the first hop seen for a key is the root, and per-root windows are anchored at
 * its start: [root, root + window), then the following ones.
 */
export class RootAnchors {
  private readonly anchors: IdleMap<number>;

  constructor(idleMs: number, maxEntries: number) {
    this.anchors = new IdleMap<number>({ idleMs, maxEntries });
  }

  get size(): number {
    return this.anchors.size;
  }

  /**
   * The key and anchor of the hop's root action, and whether this hop started it (every later hop
   * of the action, descendant or sibling call of the originator, counts as one of its calls).
   * Undefined for hops without a trace.
   */
  anchorOf(hop: ResolvedHop): { key: string; anchor: number; starts: boolean } | undefined {
    const key = rootActionKey(hop);
    if (key === undefined) return undefined;
    const anchor = this.anchors.touch(key, hop.ts);
    if (anchor !== undefined) return { key, anchor, starts: false };
    this.anchors.set(key, hop.ts, hop.ts);
    return { key, anchor: hop.ts, starts: true };
  }

  expire(watermark: number): void {
    this.anchors.expire(watermark);
  }

  snapshot(): IdleMapSnapshot<number> {
    return this.anchors.snapshot((anchor) => anchor);
  }

  restore(snapshot: IdleMapSnapshot<number>): void {
    this.anchors.restore(snapshot, (anchor) => anchor);
  }
}
