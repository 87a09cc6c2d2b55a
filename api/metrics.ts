import { getHeapStatistics } from 'node:v8';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { AlertDeliveryStats } from '../alerts/delivery.js';
import type { EngineStats, PipelineStats } from '../schemas/stats.js';

/** Numbers read when Prometheus scrapes, from the components that own them. */
export type MetricSources = {
  pipeline(): PipelineStats;
  /** Absent when the alerts sink does not run. */
  alerts?(): AlertDeliveryStats;
};

export type HopwatchMetrics = {
  /** One registry per app: nothing is registered globally. */
  registry: Registry;
  observeSinkWrite(sink: string, seconds: number): void;
  reportLag(topic: string, partition: number, lag: number): void;
  reportFailure(source: string, reason: string): void;
  reportSeveralTraces(topic: string): void;
  watch(sources: MetricSources): void;
};

/** One value of a metric with several labels. */
type Labelled = { labels: Record<string, string>; value: number };

/**
 * A metric whose value is owned by another component and read when Prometheus scrapes: a plain
 * number, counts by one label, or values by several labels. Counters are rebuilt from the owner's
 * running total each scrape.
 */
type Mirrored<Stats> = {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  labels?: string[];
  read(stats: Stats): number | null | Record<string, number> | Labelled[];
};

function mirror<Stats>(registry: Registry, spec: Mirrored<Stats>, stats: () => Stats): void {
  const { name, help, labels: labelNames = [] } = spec;
  function collect(this: Counter | Gauge): void {
    this.reset();
    for (const { labels, value } of rowsOf(spec, stats())) this.inc(labels, value);
  }
  if (spec.type === 'counter') new Counter({ name, help, labelNames, registers: [registry], collect });
  else new Gauge({ name, help, labelNames, registers: [registry], collect });
}

/** What a spec reads, as one value per set of labels (none for a plain number). */
function rowsOf<Stats>(spec: Mirrored<Stats>, stats: Stats): Labelled[] {
  const value = spec.read(stats);
  if (value === null) return [];
  if (typeof value === 'number') return [{ labels: {}, value }];
  if (Array.isArray(value)) return value;
  const label = spec.labels?.[0] ?? 'key';
  return Object.entries(value).map(([key, count]) => ({ labels: { [label]: key }, value: count }));
}

const pipelineMetrics: Mirrored<PipelineStats>[] = [
  {
    name: 'hopwatch_records_received_total',
    help: 'Raw records submitted, by source',
    type: 'counter',
    labels: ['source'],
    read: (s) => s.recordsReceived,
  },
  {
    name: 'hopwatch_events_ingested_total',
    help: 'Hop events decoded, by log format',
    type: 'counter',
    labels: ['format'],
    read: (s) => s.eventsIngested,
  },
  {
    name: 'hopwatch_records_rejected_total',
    help: 'Raw records that could not be decoded (kept as dead letters), by source',
    type: 'counter',
    labels: ['source'],
    read: (s) => s.recordsRejected,
  },
  {
    name: 'hopwatch_findings_total',
    help: 'Findings raised since start, by detector',
    type: 'counter',
    labels: ['detector'],
    read: (s) => s.findingsRaised,
  },
  {
    name: 'hopwatch_store_pending_rows',
    help: 'Rows accepted by the store writer and not yet durable',
    type: 'gauge',
    read: (s) => s.storePendingRows,
  },
  {
    name: 'hopwatch_hops_past_retention_total',
    help: 'Hops not stored because their event time was already past store.hopsTtlDays (replayed history)',
    type: 'counter',
    read: (s) => s.hopsPastRetention,
  },
  {
    name: 'hopwatch_hops_not_stored_total',
    help: 'Hops not stored under store.hops: findings (no finding named their trace within store.hopsHoldMs)',
    type: 'counter',
    read: (s) => s.hopsNotStored,
  },
  {
    name: 'hopwatch_finding_copies_skipped_total',
    help: 'Copies of a finding or incident version skipped on the findings topic: its partition had it already',
    type: 'counter',
    read: (s) => s.findingCopiesSkipped,
  },
];

const engineMetrics: Mirrored<EngineStats>[] = [
  {
    name: 'hopwatch_engine_events_observed_total',
    help: 'Hop events observed by the detection engine',
    type: 'counter',
    read: (s) => s.eventsObserved,
  },
  {
    name: 'hopwatch_late_events_total',
    help: 'Hop events that arrived behind the watermark (kept and counted)',
    type: 'counter',
    read: (s) => s.lateEvents,
  },
  {
    name: 'hopwatch_lineage_evicted_traces_total',
    help: 'Traces evicted from lineage state (idle or over the cap)',
    type: 'counter',
    read: (s) => s.evictedTraces,
  },
  {
    name: 'hopwatch_windows_closed_early_total',
    help: 'Detector windows judged before the watermark reached their end: more were open than detectors.maxOpenWindows',
    type: 'counter',
    labels: ['detector'],
    read: (s) => s.windowsClosedEarly,
  },
  {
    name: 'hopwatch_lineage_duplicate_hops_total',
    help: 'Hops seen twice in one tracked trace, counted and not processed again',
    type: 'counter',
    read: (s) => s.duplicateHops,
  },
  {
    name: 'hopwatch_lineage_merged_observations_total',
    help: 'Records of a request already seen at another observation point (the other sidecar), merged into that hop',
    type: 'counter',
    read: (s) => s.mergedObservations,
  },
  {
    name: 'hopwatch_lineage_tracked_traces',
    help: 'Traces held in lineage state',
    type: 'gauge',
    read: (s) => s.trackedTraces,
  },
  {
    name: 'hopwatch_lineage_pending_hops',
    help: 'Hops waiting for unseen ancestors',
    type: 'gauge',
    read: (s) => s.pendingHops,
  },
  {
    name: 'hopwatch_detector_state_entries',
    help: 'Entries held per detector (open windows, tracked keys)',
    type: 'gauge',
    labels: ['detector'],
    read: (s) => s.detectorState,
  },
  {
    name: 'hopwatch_open_incidents',
    help: 'Incidents open (a finding came within incidents.quietMs of event time)',
    type: 'gauge',
    read: (s) => s.openIncidents,
  },
  {
    name: 'hopwatch_watermark_seconds',
    help: 'Event-time watermark of the detection engine (unix seconds; 0 before the first event)',
    type: 'gauge',
    read: (s) => (s.watermark === null ? null : s.watermark / 1000),
  },
];

/** Engine metrics that are also given per lane (each source, each stage of a split pipeline), under these names. */
const perLaneNames: Record<string, string> = {
  hopwatch_engine_events_observed_total: 'hopwatch_lane_events_observed_total',
  hopwatch_late_events_total: 'hopwatch_lane_late_events_total',
  hopwatch_lineage_tracked_traces: 'hopwatch_lane_tracked_traces',
  hopwatch_detector_state_entries: 'hopwatch_lane_detector_state_entries',
  hopwatch_watermark_seconds: 'hopwatch_lane_watermark_seconds',
};

/** The same reading of each lane's engine, with the lane as the first label: what sizing a stage needs. */
const laneMetrics: Mirrored<PipelineStats['lanes']>[] = engineMetrics.flatMap((spec) => {
  const name = perLaneNames[spec.name];
  if (name === undefined) return [];
  return {
    name,
    help: `${spec.help}, by lane (kafka: the ingest stage, kafka-detect: the detect stage)`,
    type: spec.type,
    labels: ['lane', ...(spec.labels ?? [])],
    read: (lanes) =>
      Object.entries(lanes).flatMap(([lane, engine]) =>
        rowsOf(spec, engine).map(({ labels, value }) => ({ labels: { lane, ...labels }, value })),
      ),
  };
});

const alertMetrics: Mirrored<AlertDeliveryStats>[] = [
  {
    name: 'hopwatch_alert_deliveries',
    help: 'Webhook deliveries in the outbox, by state (pending, delivered, failed)',
    type: 'gauge',
    labels: ['state'],
    read: (s) => ({ pending: s.pending, delivered: s.delivered, failed: s.failed }),
  },
  {
    name: 'hopwatch_alert_attempts_total',
    help: 'Webhook delivery attempts since start, by outcome',
    type: 'counter',
    labels: ['outcome'],
    read: (s) => s.attemptsByOutcome,
  },
];

export function createHopwatchMetrics(): HopwatchMetrics {
  const registry = new Registry();
  // Process and runtime: RSS, heap, GC, event-loop lag (what sizing and overload need).
  collectDefaultMetrics({ register: registry });
  const sinkWrite = new Histogram({
    name: 'hopwatch_sink_write_seconds',
    help: 'Time for a sink to take one batch, including waiting for room in its bounded buffer',
    labelNames: ['sink'],
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [registry],
  });
  const lag = new Gauge({
    name: 'hopwatch_consumer_lag',
    help: 'Records not yet consumed, by topic and partition (reported by Kafka sources; absent without one)',
    labelNames: ['topic', 'partition'],
    registers: [registry],
  });
  const failures = new Counter({
    name: 'hopwatch_source_failures_total',
    help: 'Source failures that restarted it (a Kafka consumer crash: a batch it cannot read, a broker lost), by source',
    labelNames: ['source'],
    registers: [registry],
  });
  // Heap used against this, not against RSS, says how near `JavaScript heap out of memory` the process is.
  new Gauge({
    name: 'hopwatch_heap_limit_bytes',
    help: "V8's heap limit (--max-old-space-size and the young generation): alert on nodejs_heap_size_used_bytes nearing it",
    registers: [registry],
    collect(this: Gauge) {
      this.set(getHeapStatistics().heap_size_limit);
    },
  });
  const severalTraces = new Counter({
    name: 'hopwatch_kafka_records_with_several_traces_total',
    help: 'Kafka records holding hops of several traces (OTLP batches), by topic: keyed by one, the others may be split over partitions; send one trace per record',
    labelNames: ['topic'],
    registers: [registry],
  });
  return {
    registry,
    reportFailure: (source) => failures.inc({ source }),
    reportSeveralTraces: (topic) => severalTraces.inc({ topic }),
    observeSinkWrite: (sink, seconds) => sinkWrite.observe({ sink }, seconds),
    reportLag: (topic, partition, value) => lag.set({ topic, partition: String(partition) }, value),
    watch: (sources) => {
      for (const spec of pipelineMetrics) mirror(registry, spec, sources.pipeline);
      for (const spec of engineMetrics) mirror(registry, spec, () => sources.pipeline().engine);
      for (const spec of laneMetrics) mirror(registry, spec, () => sources.pipeline().lanes);
      const { alerts } = sources;
      if (alerts !== undefined) for (const spec of alertMetrics) mirror(registry, spec, alerts);
    },
  };
}
