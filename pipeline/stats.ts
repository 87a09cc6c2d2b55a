import type { PipelineStats } from '../schemas/stats.js';
import type { Lane } from './lane.js';

function addInto(total: Record<string, number>, part: Readonly<Record<string, number>>): void {
  for (const [key, value] of Object.entries(part)) total[key] = (total[key] ?? 0) + value;
}

export function pipelineStats(
  lanes: ReadonlyMap<string, Lane>,
  sinks: { pending: number; hopsPastRetention: number; findingCopiesSkipped: number },
): PipelineStats {
  const stats: PipelineStats = {
    recordsReceived: {},
    eventsIngested: {},
    recordsRejected: {},
    findingsRaised: {},
    engine: {
      eventsObserved: 0,
      lateEvents: 0,
      trackedTraces: 0,
      pendingHops: 0,
      evictedTraces: 0,
      windowsClosedEarly: {},
      watermark: null,
      findingsByDetector: {},
      duplicateHops: 0,
      mergedObservations: 0,
      detectorState: {},
      openIncidents: 0,
    },
    storePendingRows: sinks.pending,
    hopsPastRetention: sinks.hopsPastRetention,
    hopsNotStored: 0,
    findingCopiesSkipped: sinks.findingCopiesSkipped,
    lanes: {},
  };
  for (const [name, lane] of lanes) {
    const { counters } = lane;
    addInto(stats.recordsReceived, { [name]: counters.recordsReceived });
    addInto(stats.recordsRejected, { [name]: counters.recordsRejected });
    addInto(stats.eventsIngested, counters.eventsIngested);
    addInto(stats.findingsRaised, counters.findingsRaised);
    stats.hopsNotStored += lane.hopsNotStored;
    const engine = lane.engineStats();
    stats.lanes[name] = engine;
    const total = stats.engine;
    total.eventsObserved += engine.eventsObserved;
    total.lateEvents += engine.lateEvents;
    total.trackedTraces += engine.trackedTraces;
    total.pendingHops += engine.pendingHops;
    total.evictedTraces += engine.evictedTraces;
    total.duplicateHops += engine.duplicateHops;
    total.mergedObservations += engine.mergedObservations;
    total.openIncidents += engine.openIncidents;
    if (engine.watermark !== null)
      total.watermark = Math.max(total.watermark ?? engine.watermark, engine.watermark);
    addInto(total.findingsByDetector, engine.findingsByDetector);
    addInto(total.detectorState, engine.detectorState);
    addInto(total.windowsClosedEarly, engine.windowsClosedEarly);
  }
  return stats;
}

/** Said at the end of `detect --store` and `replay`: hops the store did not take, and why. */
export function storageNotes(stats: PipelineStats, store: { hopsTtlDays: number }): string[] {
  const notes: string[] = [];
  if (stats.hopsPastRetention > 0)
    notes.push(
      `${stats.hopsPastRetention} hops were not stored: their event time is more than store.hopsTtlDays ` +
        `(${store.hopsTtlDays}) days ago, so their traces have no lineage in the API; raise store.hopsTtlDays to keep them`,
    );
  if (stats.hopsNotStored > 0)
    notes.push(
      `${stats.hopsNotStored} hops were not stored (store.hops: findings): no finding named their trace`,
    );
  return notes;
}
