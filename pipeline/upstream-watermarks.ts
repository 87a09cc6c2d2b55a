import { z } from 'zod';

/** What the ingest stage tags each hop with: which engine resolved it, and that engine's watermark then. */
export type UpstreamTag = { id: string; watermark: number };

export const upstreamWatermarksSnapshotSchema = z.object({
  latest: z.array(z.tuple([z.string(), z.number()])),
  pending: z.number().nullable(),
});

/** An ingest engine that sent nothing for this long (wall time) no longer holds the watermark back. */
const idleUpstreamMs = 10_000;

/**
 * The detect stage's watermark, from the ingest stages that feed it. Each ingest engine (one per
 * instance) moves at its own pace, through a backlog especially, so the detect stage goes by the
 * slowest of them, as a stream processor goes by the slowest of its inputs: windows do not close on
 * hops a slower ingest stage has yet to send, and with more than one it stays `skewMs` behind the
 * slowest, so that engines that far apart (a busy machine, a partition with more to read) do not make
 * each other's hops late. An ingest engine that went quiet (stopped, or idle) stops counting after
 * 10 s; what it sends later may be late. With one ingest engine this is its watermark exactly,
 * applied where one engine applies it: after the hops it settled.
 */
export class UpstreamWatermarks {
  private readonly latest = new Map<string, { watermark: number; seenAt: number }>();
  /** Applied once the slowest moves past it. */
  private pending = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly now: () => number,
    /** How far apart ingest engines may be without one's hops coming late: the detectors' allowed lateness. */
    private readonly skewMs: number,
  ) {}

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
      // A slower ingest engine showed up: nothing past it is applied.
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
      if (seenAt < now - 10 * idleUpstreamMs) this.latest.delete(id);
      else if (seenAt >= now - idleUpstreamMs && watermark < slowest) slowest = watermark;
    }
    return slowest === Number.POSITIVE_INFINITY ? fastest : slowest;
  }

  snapshot(): z.infer<typeof upstreamWatermarksSnapshotSchema> {
    return {
      latest: [...this.latest].map(([id, { watermark }]) => [id, watermark]),
      pending: Number.isFinite(this.pending) ? this.pending : null,
    };
  }

  /** Restored engines count from now on: an ingest engine that does not come back stops counting after 10 s. */
  restore(snapshot: z.infer<typeof upstreamWatermarksSnapshotSchema>): void {
    const seenAt = this.now();
    for (const [id, watermark] of snapshot.latest) this.latest.set(id, { watermark, seenAt });
    this.pending = snapshot.pending ?? Number.NEGATIVE_INFINITY;
  }
}
