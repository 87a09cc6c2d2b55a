import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AlertDeliveryStats } from '../alerts/delivery.js';
import type { PipelineStats } from '../ingest/pipeline.js';

/** Numbers read when Prometheus scrapes, from the components that own them. */
export type MetricSources = {
  pipeline(): PipelineStats;
  alerts(): AlertDeliveryStats;
};

export type HopwatchMetrics = {
  /** One registry per app: nothing is registered globally. */
  registry: Registry;
  observeStoreWrite(seconds: number): void;
  reportLag(topic: string, partition: number, lag: number): void;
  watch(sources: MetricSources): void;
};

type Read = () => number | undefined;
type ReadByLabel = () => Record<string, number>;

/** A counter whose value is owned elsewhere and read at scrape time. */
function mirroredCounter(registry: Registry, name: string, help: string, read: Read): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const value = read();
      this.reset();
      if (value !== undefined) this.inc(value);
    },
  });
}

function mirroredLabelledCounter(
  registry: Registry,
  name: string,
  help: string,
  label: string,
  read: ReadByLabel,
): void {
  new Counter({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    collect() {
      this.reset();
      for (const [value, count] of Object.entries(read())) this.inc({ [label]: value }, count);
    },
  });
}

function mirroredLabelledGauge(
  registry: Registry,
  name: string,
  help: string,
  label: string,
  read: ReadByLabel,
): void {
  new Gauge({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    collect() {
      this.reset();
      for (const [value, count] of Object.entries(read())) this.set({ [label]: value }, count);
    },
  });
}

function mirroredGauge(registry: Registry, name: string, help: string, read: Read): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      const value = read();
      if (value === undefined) this.reset();
      else this.set(value);
    },
  });
}

export function createHopwatchMetrics(): HopwatchMetrics {
  const registry = new Registry();
  const storeWrite = new Histogram({
    name: 'hopwatch_store_write_seconds',
    help: 'Time to hand one batch to the store writer, including waiting for room in its bounded buffer',
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [registry],
  });
  const lag = new Gauge({
    name: 'hopwatch_consumer_lag',
    help: 'Records not yet consumed, by topic and partition (Kafka sources only)',
    labelNames: ['topic', 'partition'],
    registers: [registry],
  });
  return {
    registry,
    observeStoreWrite: (seconds) => storeWrite.observe(seconds),
    reportLag: (topic, partition, value) => lag.set({ topic, partition: String(partition) }, value),
    watch: (sources) => {
      watchPipeline(registry, sources.pipeline);
      watchAlerts(registry, sources.alerts);
    },
  };
}

function watchPipeline(registry: Registry, stats: () => PipelineStats): void {
  const engine = () => stats().engine;
  mirroredLabelledCounter(
    registry,
    'hopwatch_records_received_total',
    'Raw records submitted, by source',
    'source',
    () => stats().recordsReceived,
  );
  mirroredLabelledCounter(
    registry,
    'hopwatch_events_ingested_total',
    'Hop events decoded, by log format',
    'format',
    () => stats().eventsIngested,
  );
  mirroredLabelledCounter(
    registry,
    'hopwatch_records_rejected_total',
    'Raw records that could not be decoded (kept as dead letters), by source',
    'source',
    () => stats().recordsRejected,
  );
  mirroredLabelledCounter(
    registry,
    'hopwatch_findings_total',
    'Findings raised, by detector',
    'detector',
    () => stats().findingsRaised,
  );
  mirroredCounter(
    registry,
    'hopwatch_engine_events_observed_total',
    'Hop events observed by the detection engine',
    () => engine().eventsObserved,
  );
  mirroredCounter(
    registry,
    'hopwatch_late_events_total',
    'Hop events that arrived behind the watermark (kept and counted)',
    () => engine().lateEvents,
  );
  mirroredCounter(
    registry,
    'hopwatch_lineage_evicted_traces_total',
    'Traces evicted from lineage state (idle or over the cap)',
    () => engine().evictedTraces,
  );
  mirroredCounter(
    registry,
    'hopwatch_lineage_duplicate_hops_total',
    'Hops seen twice in one tracked trace (same id), counted and not processed again',
    () => engine().duplicateHops,
  );
  mirroredLabelledGauge(
    registry,
    'hopwatch_detector_state_entries',
    'Entries held per detector (open windows, tracked keys)',
    'detector',
    () => engine().detectorState,
  );
  mirroredGauge(
    registry,
    'hopwatch_lineage_tracked_traces',
    'Traces held in lineage state',
    () => engine().trackedTraces,
  );
  mirroredGauge(
    registry,
    'hopwatch_lineage_pending_hops',
    'Hops waiting for unseen ancestors',
    () => engine().pendingHops,
  );
  mirroredGauge(
    registry,
    'hopwatch_watermark_seconds',
    'Event-time watermark of the detection engine (unix seconds)',
    () => {
      const watermark = engine().watermark;
      return watermark === null ? undefined : watermark / 1000;
    },
  );
  mirroredGauge(
    registry,
    'hopwatch_store_pending_rows',
    'Rows accepted by the store writer and not yet durable',
    () => stats().storePendingRows,
  );
}

function watchAlerts(registry: Registry, stats: () => AlertDeliveryStats): void {
  new Gauge({
    name: 'hopwatch_alert_deliveries',
    help: 'Webhook deliveries in the outbox, by webhook and state (pending, delivered, failed)',
    labelNames: ['webhook', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [webhook, counts] of Object.entries(stats().byWebhook)) {
        for (const [state, count] of Object.entries(counts)) this.set({ webhook, state }, count);
      }
    },
  });
  mirroredLabelledCounter(
    registry,
    'hopwatch_alert_attempts_total',
    'Webhook delivery attempts since start, by outcome',
    'outcome',
    () => stats().attemptsByOutcome,
  );
}
