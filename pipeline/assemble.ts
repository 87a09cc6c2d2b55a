import type { AlertDispatcher } from '../alerts/dispatcher.js';
import type { Logger } from '../common/logger.js';
import { SilenceBook, silencesFile } from '../incidents/silences.js';
import { decodeSettingsOf } from '../ingest/decode.js';
import type { FindingsConsumer } from '../ingest/findings-consumer.js';
import type { HttpJournal } from '../ingest/http-journal.js';
import type { Source, SourceReports } from '../ingest/source.js';
import type { PipelineStats } from '../schemas/stats.js';
import type { HopwatchStore } from '../store/types.js';
import type { BuildContext, Built } from './component.js';
import type { HopwatchConfig } from './config.js';
import {
  createDetectionEngine,
  type DetectionEngine,
  type EngineSink,
  type EngineStage,
  type LaneEngine,
  restoreDetectionEngine,
} from './engine.js';
import type { FindingHopsLimits } from './hop-policy.js';
import { Lane } from './lane.js';
import { sinkRegistry, sourceRegistry } from './registry.js';
import { PartsOnly, type Sink, SinkSet } from './sink.js';
import { AlertsSink } from './sinks/alerts.js';
import { StoreSink } from './sinks/store.js';
import type { SourcePlan } from './sources/plan.js';
import { pipelineStats } from './stats.js';
import { type TaskEngineFactory, TaskEngines } from './task-engines.js';
import { upstreamIdleMs } from './upstream-watermarks.js';

export type AssembleOptions = {
  logger: Logger;
  /** Sinks of the caller's own (a collector in a test, a callback), written after the configured ones. */
  extraSinks?: readonly Sink[];
  /** Wall clock, epoch ms; stamps `detectedAt` and drives the idle watermark. */
  now?: () => number;
  /** Told how long each sink took to take a batch (for /metrics). */
  onSinkWrite?(sink: string, seconds: number): void;
};

/** Input quiet for this long (wall time) lets processing time move a lane's watermark; checked this often. */
const idleAfterMs = 5_000;
const idleTickMs = 1_000;
/** How much journal a restart replays at most, in wall time. */
const journalCheckpointMs = 5_000;
/** What sources report when nothing exports it (tests, `detect`). */
const noReports: SourceReports = {
  reportLag: () => {},
  reportFailure: () => {},
  reportSeveralTraces: () => {},
};

/**
 * Everything one hopwatch process runs, assembled from config: the configured sources, each with its
 * own lane (decoded records → lineage → detectors), and the configured sinks behind one SinkSet.
 * `run`, `replay`, `detect`, the bench and the tests all build their pipeline here.
 */
export class Pipeline {
  private readonly lanes = new Map<string, Lane>();
  /** Lanes that write a journal, with the segment their replay starts at. */
  private readonly journaled: Array<{ lane: Lane; journal: HttpJournal; segment: number }> = [];
  /** The sink sets of lanes with a route (some of their outputs go to a topic). */
  private readonly routed: SinkSet[] = [];
  private idleTimer: NodeJS.Timeout | null = null;
  private checkpointTimer: NodeJS.Timeout | null = null;
  /** The sources config.sources names, each with its lane; they take records from `start` on. */
  readonly sources: Source[] = [];

  constructor(
    private readonly config: HopwatchConfig,
    readonly sinks: SinkSet,
    plans: ReadonlyArray<{ name: string; plan: SourcePlan }>,
    private readonly logger: Logger,
    private readonly now: () => number,
    /** The silences every lane's engine applies; the API adds and ends them. */
    readonly silences: SilenceBook,
    /** Reads the findings topic (and a split pipeline's hops topic) into `sinks`. */
    private readonly topicReader?: FindingsConsumer,
  ) {
    for (const { name, plan } of plans) {
      const { journal } = plan;
      const resume = {
        snapshot: plan.engineSnapshot,
        journal,
        sinks: this.laneSinks(plan),
        stage: plan.engineStage,
        upstreamTasks: plan.upstreamTasks,
      };
      const { lane, resumed } = this.openLane(name, resume);
      // An engine that could not resume replays what the journal still holds.
      if (journal !== undefined)
        this.journaled.push({ lane, journal, segment: resumed ? (plan.journalSegment ?? 0) : 0 });
      this.sources.push(plan.create(resumed));
    }
  }

  /** The store, when the store sink runs (the API reads it). */
  get store(): HopwatchStore | undefined {
    return this.sinks.sinks.find((sink) => sink instanceof StoreSink)?.store;
  }

  /** The webhook dispatcher, when the alerts sink runs. */
  get alerts(): AlertDispatcher | undefined {
    return this.sinks.sinks.find((sink) => sink instanceof AlertsSink)?.dispatcher;
  }

  /**
   * The lane of the source called `name`: the configured sources got theirs at assembly; `detect`,
   * `replay` and the bench feed one of their own, created on first use.
   */
  lane(name: string): Lane {
    return this.lanes.get(name) ?? this.openLane(name, { snapshot: undefined }).lane;
  }

  /** The sinks of a lane of `plan`: the pipeline's, or its route's producers and what it passes on to them. */
  private laneSinks({ route }: SourcePlan): SinkSet {
    if (route === undefined) return this.sinks;
    const passed = this.sinks.sinks.map((sink) => new PartsOnly(sink, route.passOn));
    const laneSinks = new SinkSet([...route.producers, ...passed]);
    this.routed.push(laneSinks);
    return laneSinks;
  }

  /** A new lane; `resumed` says whether its engine resumed from the snapshot (one it cannot read is logged and dropped). */
  private openLane(
    name: string,
    resume: {
      snapshot: unknown;
      journal?: HttpJournal;
      sinks?: SinkSet;
      stage?: EngineStage;
      upstreamTasks?: readonly string[];
    },
  ): { lane: Lane; resumed: boolean } {
    const { lineage, detectors, incidents } = this.config;
    const engineConfig = { lineage, detectors, incidents, stage: resume.stage };
    const deps = { now: this.now, silences: this.silences };
    let resumed = false;
    const { snapshot } = resume;
    const createEngine = (sink: EngineSink): LaneEngine => {
      if (resume.stage !== undefined) {
        const tasks = this.taskEngines(
          name,
          (task, saved) => {
            // Each task its own view of the ingest watermarks, restored with it: a task taken over
            // from the changelog goes by the hops it reads, not by where the others have got to.
            const taskDeps = {
              ...deps,
              upstreamId: task,
              upstreamIdleMs: upstreamIdleMs(this.config.kafka.sessionTimeoutMs),
              upstreamTasks: resume.upstreamTasks,
            };
            if (saved === undefined) return createDetectionEngine(engineConfig, sink, taskDeps);
            const restoring = restoreDetectionEngine(engineConfig, saved, sink, taskDeps);
            return this.resumedOrNull(restoring, { source: name, task });
          },
          snapshot,
          resume.stage === 'lineage',
        );
        resumed = tasks.resumed;
        return tasks.engines;
      }
      if (snapshot === undefined || snapshot === null) return createDetectionEngine(engineConfig, sink, deps);
      const restored = this.resumedOrNull(restoreDetectionEngine(engineConfig, snapshot, sink, deps), {
        source: name,
      });
      resumed = restored !== null;
      return restored ?? createDetectionEngine(engineConfig, sink, deps);
    };
    const lane = new Lane(
      {
        createEngine,
        sinks: resume.sinks ?? this.sinks,
        now: this.now,
        logger: this.logger,
        journal: resume.journal,
      },
      {
        allowedLatenessMs: this.config.detectors.allowedLatenessMs,
        idleAfterMs,
        decoding: decodeSettingsOf(this.config),
        findingHops: findingHopsLimits(this.config),
      },
    );
    this.lanes.set(name, lane);
    return { lane, resumed };
  }

  /** A split stage's engines, one per partition task, resumed from `snapshot` where it holds them. */
  private taskEngines(
    name: string,
    create: TaskEngineFactory,
    snapshot: unknown,
    moveAlong: boolean,
  ): { engines: TaskEngines; resumed: boolean } {
    if (snapshot === undefined || snapshot === null)
      return { engines: new TaskEngines(create, moveAlong), resumed: false };
    const restoring = TaskEngines.restore(create, snapshot, moveAlong);
    if (restoring.ok) return { engines: restoring.engines, resumed: true };
    this.logger.warn({ source: name, reason: restoring.reason }, 'starting with empty detection engines');
    return { engines: new TaskEngines(create, moveAlong), resumed: false };
  }

  /** The restored engine, or null (logged) when the snapshot could not be read. */
  private resumedOrNull(
    restoring: ReturnType<typeof restoreDetectionEngine>,
    where: { source: string; task?: string },
  ): DetectionEngine | null {
    if (restoring.ok) return restoring.engine;
    this.logger.warn({ ...where, reason: restoring.reason }, 'starting with an empty detection engine');
    return null;
  }

  /** Starts the sinks, then every source on its lane, then the idle watermark. */
  async start(reports: SourceReports = noReports): Promise<void> {
    this.sinks.start();
    for (const laneSinks of this.routed) laneSinks.start();
    await this.topicReader?.start(this.sinks, reports);
    for (const { lane, segment } of this.journaled) {
      const replayed = await lane.replay(segment);
      if (replayed > 0) this.logger.info({ records: replayed }, 'replayed the HTTP ingest journal');
    }
    for (const source of this.sources) {
      const intake = this.lanes.get(source.name)!;
      await source.start({ intake, logger: this.logger.child({ source: source.name }), ...reports });
    }
    this.idleTimer = setInterval(() => this.advanceIdle(), idleTickMs);
    this.idleTimer.unref();
    if (this.journaled.length > 0) {
      this.checkpointTimer = setInterval(() => this.checkpointJournals(), journalCheckpointMs);
      this.checkpointTimer.unref();
    }
  }

  private checkpointJournals(): void {
    for (const { lane } of this.journaled) {
      lane
        .checkpoint()
        .catch((error: unknown) =>
          this.logger.warn({ err: error }, 'could not checkpoint the HTTP ingest journal; retrying'),
        );
    }
  }

  private advanceIdle(): void {
    for (const lane of this.lanes.values()) {
      lane
        .advanceIdle()
        .then(() => lane.publishWatermarks())
        .catch((error: unknown) =>
          this.logger.warn({ err: error }, 'could not write what the idle watermark closed; retrying'),
        );
    }
  }

  /**
   * Intake stops first (a checkpointing source takes its last checkpoint), then every lane closes its
   * open windows and makes everything durable in the sinks (or on the findings topic, which is then read
   * up to its end where this instance holds it): nothing that came in is lost.
   */
  async drain(): Promise<void> {
    if (this.idleTimer !== null) clearInterval(this.idleTimer);
    if (this.checkpointTimer !== null) clearInterval(this.checkpointTimer);
    this.idleTimer = null;
    this.checkpointTimer = null;
    for (const source of this.sources) await source.stop();
    for (const lane of this.lanes.values()) await lane.drain();
    await this.topicReader?.stop();
  }

  /** Closes the sinks and journals (after `drain`, or after a failure to keep what can be kept). */
  async close(): Promise<void> {
    for (const { journal } of this.journaled) await journal.close();
    for (const laneSinks of this.routed) {
      await laneSinks
        .close()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'could not close a topic producer'));
    }
    await this.sinks.close();
  }

  /** `drain`, then `close`. */
  async shutdown(): Promise<void> {
    try {
      await this.drain();
    } finally {
      await this.close();
    }
  }

  stats(): PipelineStats {
    const hopsPastRetention = this.store?.writer.hopsPastRetention() ?? 0;
    const findingCopiesSkipped = this.topicReader?.skippedDuplicates() ?? 0;
    const pending = this.sinks.stats().pending;
    return pipelineStats(this.lanes, { pending, hopsPastRetention, findingCopiesSkipped });
  }
}

/**
 * Builds the configured sinks and source plans. A configuration that cannot work (a webhook secret
 * that is missing) is a value; an unreachable store or a broken data directory throws. Whatever was
 * opened before a failure is closed again. In a split pipeline (roles other than `all`) the configured
 * sinks run only with the `sink` role, and the sources are the stages' (HTTP ingest with `sink` only).
 */
export async function assemble(
  config: HopwatchConfig,
  options: AssembleOptions,
): Promise<{ ok: true; pipeline: Pipeline } | { ok: false; reason: string }> {
  const context: BuildContext = { dataDir: config.dataDir, logger: options.logger };
  const sinks: Sink[] = [];
  const split = !config.roles.includes('all');
  const sinkRole = !split || config.roles.includes('sink');
  try {
    for (const name of sinkRole ? config.sinks : []) {
      const built = await buildComponent<Sink>(sinkRegistry, name, config, context);
      if (!built.ok) throw new ConfigProblem(built.reason);
      sinks.push(built.built);
    }
    // Kafka's client and codecs are loaded only by pipelines that use them (`hopwatch detect` starts faster).
    const plans = split ? await (await import('./stages.js')).stagePlans(config, options.logger) : [];
    const sources = split ? config.sources.filter((name) => name === 'http' && sinkRole) : config.sources;
    for (const name of sources) {
      const built = await buildComponent<SourcePlan>(sourceRegistry, name, config, context);
      if (!built.ok) throw new ConfigProblem(built.reason);
      plans.push({ name, plan: built.built });
    }
    const sinkSet = new SinkSet([...sinks, ...(options.extraSinks ?? [])], options.onSinkWrite);
    const now = options.now ?? Date.now;
    const silences = await openSilences(config, now);
    const topicReader = await readsTopics(config, split, sinkRole, options.logger);
    return {
      ok: true,
      pipeline: new Pipeline(config, sinkSet, plans, options.logger, now, silences, topicReader),
    };
  } catch (error) {
    await new SinkSet(sinks).close().catch(() => undefined);
    if (error instanceof ConfigProblem) return { ok: false, reason: error.message };
    throw error;
  }
}

class ConfigProblem extends Error {}

/** Findings of a Kafka lane come back from the findings topic; a split pipeline's sink reads the hops topic too. */
async function readsTopics(
  { kafka, sources }: HopwatchConfig,
  split: boolean,
  sinkRole: boolean,
  logger: Logger,
): Promise<FindingsConsumer | undefined> {
  if (split ? !sinkRole : !sources.includes('kafka')) return undefined;
  const readerLogger = logger.child({ source: 'findings' });
  const [{ FindingsConsumer }, { createKafkaClient }] = await Promise.all([
    import('../ingest/findings-consumer.js'),
    import('../ingest/kafka-client.js'),
  ]);
  return new FindingsConsumer(createKafkaClient(kafka, readerLogger), kafka, readerLogger, split);
}

/** `store.hops: findings` applies to every lane when the store is one of the sinks. */
function findingHopsLimits({ store, sinks, roles }: HopwatchConfig): FindingHopsLimits | undefined {
  if (store.hops === 'all' || !sinks.includes('store') || !roles.includes('all')) return undefined;
  return { holdMs: store.hopsHoldMs, maxTraces: store.hopsHoldMaxTraces };
}

async function openSilences(config: HopwatchConfig, now: () => number): Promise<SilenceBook> {
  try {
    return await SilenceBook.open(config.incidents.silences, silencesFile(config.dataDir), now);
  } catch (error) {
    throw new ConfigProblem(`silences: ${(error as Error).message}`);
  }
}

type Buildable<Thing> = { name: string; build(config: never, context: BuildContext): Promise<Built<Thing>> };

/** Builds the registered component `name` from its own config section (the config schema let only registered names through). */
function buildComponent<Thing>(
  registry: ReadonlyArray<Buildable<Thing>>,
  name: string,
  config: HopwatchConfig,
  context: BuildContext,
): Promise<Built<Thing>> {
  const component = registry.find((entry) => entry.name === name);
  if (component === undefined) throw new Error(`no component named ${name}`);
  return component.build((config as unknown as Record<string, never>)[name]!, context);
}
