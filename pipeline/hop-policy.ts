import { IdleMap } from '../common/idle-map.js';
import type { Finding } from '../schemas/finding.js';
import type { ResolvedHop } from '../schemas/resolved-hop.js';

/** How long, and for how many traces at most, hops wait for a finding under `store.hops: findings`. */
export type FindingHopsLimits = { holdMs: number; maxTraces: number };

/**
 * `store.hops: findings`: a hop leaves the lane only if a finding names its trace. Hops wait per trace
 * until a finding names it (they go then, and every later hop of that trace goes at once) or until
 * the detectors have judged `holdMs` past the trace's latest hop, or `maxTraces` newer traces wait
 * (they are dropped, and counted). Hops without a trace are dropped. Held hops live in memory only.
 */
export class FindingHops {
  private readonly waiting: IdleMap<ResolvedHop[]>;
  private readonly named: IdleMap<true>;
  dropped = 0;

  constructor({ holdMs, maxTraces }: FindingHopsLimits) {
    this.waiting = new IdleMap({
      idleMs: holdMs,
      maxEntries: maxTraces,
      onRemove: (_traceId, hops) => {
        this.dropped += hops.length;
      },
    });
    this.named = new IdleMap({ idleMs: holdMs, maxEntries: maxTraces });
  }

  /** Whether the hop goes on now; if not, it waits for a finding (or, without a trace, is dropped). */
  admit(hop: ResolvedHop): boolean {
    const { traceId } = hop;
    if (traceId === undefined) {
      this.dropped += 1;
      return false;
    }
    if (this.named.touch(traceId, hop.ts) !== undefined) return true;
    const held = this.waiting.touch(traceId, hop.ts);
    if (held === undefined) this.waiting.set(traceId, [hop], hop.ts);
    else held.push(hop);
    return false;
  }

  /** The waiting hops of the traces `finding` names; their later hops go on without waiting. */
  release(finding: Finding): ResolvedHop[] {
    const released: ResolvedHop[] = [];
    for (const traceId of finding.traceIds) {
      const held = this.waiting.peek(traceId);
      if (held !== undefined) {
        released.push(...held);
        this.waiting.delete(traceId);
      }
      this.named.set(traceId, true, finding.windowEnd);
    }
    return released;
  }

  /** The detectors have judged up to `watermark`: traces quiet for `holdMs` before it stop waiting. */
  expire(watermark: number): void {
    this.waiting.expire(watermark);
    this.named.expire(watermark);
  }
}
