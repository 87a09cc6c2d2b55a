import { z } from 'zod';
import type { UpstreamTag } from '../schemas/resolved-hop.js';

export const upstreamWatermarksSnapshotSchema = z.object({
  latest: z.array(z.tuple([z.string(), z.number()])),
  pending: z.number().nullable(),
});

/**
 * How long an ingest task may send nothing before the detect stage goes on without it. Every task an
 * instance runs sends a watermark mark each second, so silence means that no instance runs it: it
 * crashed, and the group moves its partition after `kafka.sessionTimeoutMs`, then the new holder reads
 * its state from the changelog. Twice that and 10 s more covers the rebalance and the restore.
 */
export function upstreamIdleMs(sessionTimeoutMs: number): number {
  return 2 * sessionTimeoutMs + 10_000;
}

/**
 * The detect stage's watermark, from the ingest tasks that feed it. Each ingest task (one per input
 * partition, whichever instance holds it) moves at its own pace, through a backlog especially, so the
 * detect stage goes by the slowest of them, as a stream processor goes by the slowest of its inputs:
 * windows do not close on hops a slower task has yet to send, not even while its partition moves to
 * another instance after a crash, and with more than one it stays `skewMs` behind the slowest, so that
 * tasks that far apart (a busy machine, a partition with more to read) do not make each other's hops
 * late. A task that sent nothing for `idleMs` stops counting; what it sends later may be late. With one
 * ingest task this is its watermark exactly, applied where one engine applies it: after the hops it settled.
 */
export class UpstreamWatermarks {
  private readonly latest = new Map<string, { watermark: number; seenAt: number }>();
  private readonly idleMs: number;
  /** Applied once the slowest moves past it. */
  private pending = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly now: () => number,
    /** How far apart ingest tasks may be without one's hops coming late: the detectors' allowed lateness. */
    private readonly skewMs: number,
    {
      idleMs = upstreamIdleMs(30_000),
      expected = [],
    }: {
      idleMs?: number | undefined;
      /** Tasks waited for before they are first heard of (each input partition), for `idleMs` at most. */
      expected?: readonly string[] | undefined;
    } = {},
  ) {
    this.idleMs = idleMs;
    const seenAt = now();
    for (const id of expected) this.latest.set(id, { watermark: Number.NEGATIVE_INFINITY, seenAt });
  }

  /** Takes a hop's tag; returns the watermark to move to before the hop is observed, if one is due. */
  take(tag: UpstreamTag | undefined): number | undefined {
    if (tag === undefined) return undefined;
    const known = this.latest.get(tag.id);
    const seenAt = this.now();
    if (known === undefined) this.latest.set(tag.id, { watermark: tag.watermark, seenAt });
    else {
      known.watermark = Math.max(known.watermark, tag.watermark);
      known.seenAt = seenAt;
    }
    const target = this.slowest(seenAt) - (this.latest.size > 1 ? this.skewMs : 0);
    if (target <= this.pending) {
      // A slower ingest task showed up: nothing past it is applied.
      this.pending = target;
      return undefined;
    }
    const due = this.pending;
    this.pending = target;
    return Number.isFinite(due) ? due : undefined;
  }

  private slowest(now: number): number {
    let slowest = Number.POSITIVE_INFINITY;
    let fastest = Number.NEGATIVE_INFINITY;
    for (const [id, { watermark, seenAt }] of this.latest) {
      if (watermark > fastest) fastest = watermark;
      if (seenAt < now - 10 * this.idleMs) this.latest.delete(id);
      else if (seenAt >= now - this.idleMs && watermark < slowest) slowest = watermark;
    }
    return slowest === Number.POSITIVE_INFINITY ? fastest : slowest;
  }

  snapshot(): z.infer<typeof upstreamWatermarksSnapshotSchema> {
    return {
      latest: [...this.latest]
        .filter(([, { watermark }]) => Number.isFinite(watermark))
        .map(([id, { watermark }]) => [id, watermark]),
      pending: Number.isFinite(this.pending) ? this.pending : null,
    };
  }

  /** Restored tasks count from now on: an ingest task that does not come back stops counting after `idleMs`. */
  restore(snapshot: z.infer<typeof upstreamWatermarksSnapshotSchema>): void {
    const seenAt = this.now();
    for (const [id, watermark] of snapshot.latest) this.latest.set(id, { watermark, seenAt });
    this.pending = snapshot.pending ?? Number.NEGATIVE_INFINITY;
  }
}
