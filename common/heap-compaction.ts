import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

export type CompactionThresholds = {
  /** Free bytes in the old space's pages beyond which the next full collection compacts it whole... */
  minFreeBytes: number;
  /** ...when they are also more than this share of its pages. */
  minFreeShare: number;
};

export const defaultCompactionThresholds: CompactionThresholds = {
  minFreeBytes: 256 * 1024 ** 2,
  minFreeShare: 1 / 5,
};

/** What Node's `gc` performance entries carry (typed by @types/node as unknown). */
type GcEntry = { detail?: { kind?: number } };
const majorGc = constants.NODE_PERFORMANCE_GC_MAJOR;

/** Process-wide, as V8's flags are. */
let compactionsAsked = 0;

/** How many times a full collection left the old space fragmented and the next was asked to compact it. */
export function heapCompactionsAsked(): number {
  return compactionsAsked;
}

/** Whether the old space, as V8 reports it, is fragmented enough to be compacted whole. */
export function oldSpaceFragmented(
  space: { space_size: number; space_used_size: number },
  thresholds: CompactionThresholds,
): boolean {
  const free = space.space_size - space.space_used_size;
  return free > thresholds.minFreeBytes && free > space.space_size * thresholds.minFreeShare;
}

/**
 * V8 moves only a few megabytes of the old generation per full collection. State that dies after it
 * was promoted (closed windows, outgrown Map tables, settled traces) leaves its pages part-empty, and
 * the process keeps them: RSS about twice the heap in use (1M traces: 2.1 GB for 1.1 GB). After each
 * full collection, if the old space is left fragmented past `thresholds`, the next one compacts it
 * whole (V8's --compact-on-every-full-gc, switched at run time); once it is dense, V8's own heuristics
 * return. Looked at after a full collection, not on a timer: between two, the old space's used bytes
 * count the dead too. Set always, that flag cost a Kafka backlog a tenth of its rate (its full
 * collections come every second or so, each then moving everything alive). Returns the stop.
 */
export function compactWhenFragmented(thresholds = defaultCompactionThresholds): () => void {
  let compacting = false;
  const observer = new PerformanceObserver((list) => {
    const full = list.getEntries().some((entry) => (entry as GcEntry).detail?.kind === majorGc);
    if (!full) return;
    const old = getHeapSpaceStatistics().find((space) => space.space_name === 'old_space');
    const wanted = old !== undefined && oldSpaceFragmented(old, thresholds);
    if (wanted === compacting) return;
    compacting = wanted;
    if (wanted) compactionsAsked++;
    setFlagsFromString(wanted ? '--compact-on-every-full-gc' : '--no-compact-on-every-full-gc');
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => {
    observer.disconnect();
    if (compacting) setFlagsFromString('--no-compact-on-every-full-gc');
  };
}
