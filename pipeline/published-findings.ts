import { z } from 'zod';
import { IdleMap } from '../common/idle-map.js';
import type { JsonOut } from '../common/json-slices.js';
import { idleMapSnapshotSchema } from '../detectors/snapshot-schemas.js';
import type { Finding } from '../schemas/finding.js';

/** How long after its window ends a finding's id is remembered (event time). */
const keptAfterWindowMs = 3_600_000;
/** Findings are rare; past this many remembered at once the oldest are forgotten. */
const maxRemembered = 100_000;

export const publishedFindingsSnapshotSchema = idleMapSnapshotSchema(z.literal(1));

/**
 * The finding ids an engine has published. A window judged again raises its finding's id again: one
 * reopened by late hops, or the rest of one the window cap closed early. That piece holds only part of
 * the window, and the first version is the one the webhooks delivered and the findings topic keeps
 * (both deduplicate by id): published again, it would replace the first in the store, which keeps the
 * latest version of an id.
 */
export class PublishedFindings {
  private readonly ids = new IdleMap<1>({ idleMs: keptAfterWindowMs, maxEntries: maxRemembered });

  /** True the first time `finding`'s id is offered (within an hour of event time after its window). */
  first(finding: Finding): boolean {
    if (this.ids.peek(finding.id) !== undefined) return false;
    this.ids.set(finding.id, 1, finding.windowEnd);
    return true;
  }

  expire(watermark: number): void {
    this.ids.expire(watermark);
  }

  snapshot(): JsonOut<z.infer<typeof publishedFindingsSnapshotSchema>> {
    return this.ids.snapshot((saved) => saved);
  }

  restore(snapshot: z.infer<typeof publishedFindingsSnapshotSchema>): void {
    this.ids.restore(snapshot, (saved) => saved);
  }
}
