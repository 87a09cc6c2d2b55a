/** Running counts the pipeline keeps, as the API and /metrics show them. */

export type EngineStats = {
  eventsObserved: number;
  lateEvents: number;
  trackedTraces: number;
  pendingHops: number;
  evictedTraces: number;
  /** Per detector, windows judged before the watermark reached their end: more were open than detectors.maxOpenWindows. */
  windowsClosedEarly: Record<string, number>;
  watermark: number | null;
  findingsByDetector: Record<string, number>;
  /** Hops seen twice in one tracked trace (same id), counted and not processed again. */
  duplicateHops: number;
  /** Records of a request already seen at another observation point, merged into that hop. */
  mergedObservations: number;
  /** Entries held per detector. */
  detectorState: Record<string, number>;
  /** Incidents open (not yet quiet for `incidents.quietMs`). */
  openIncidents: number;
};

export type PipelineStats = {
  /** Per source. */
  recordsReceived: Record<string, number>;
  /** Per format. */
  eventsIngested: Record<string, number>;
  /** Per source. */
  recordsRejected: Record<string, number>;
  /** Per detector. */
  findingsRaised: Record<string, number>;
  /** Every lane's engine added up; the watermark is the most advanced one. */
  engine: EngineStats;
  /**
   * Each lane's engine as it is, by lane: one per source (`http`, `kafka`), and in a split pipeline one
   * per stage (`kafka` is the ingest stage's lineage, `kafka-detect` the detect stage's detectors).
   */
  lanes: Record<string, EngineStats>;
  /** Rows and findings the sinks hold that are not yet durable. */
  storePendingRows: number;
  /** Hops not kept because their event time was already past the store's retention (replayed history). */
  hopsPastRetention: number;
  /** Hops not stored under `store.hops: findings`: no finding named their trace in time. */
  hopsNotStored: number;
  /** Copies of a finding or incident version the findings topic had already (raised by two instances, or again after a crash). */
  findingCopiesSkipped: number;
};
