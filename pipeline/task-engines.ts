import { z } from 'zod';
import { type JsonOut, writeJsonInSlices } from '../common/json-slices.js';
import type { TaskStates } from '../ingest/source.js';
import type { HopEvent } from '../schemas/hop-event.js';
import type { UpstreamTag } from '../schemas/resolved-hop.js';
import type { EngineStats } from '../schemas/stats.js';
import type { DetectionEngine, EngineSnapshot, LaneEngine } from './engine.js';

/**
 * The engine of one task, made empty or from a task snapshot (null when that snapshot cannot be read);
 * an ingest stage's tags what it resolves with `task`.
 */
export type TaskEngineFactory = (task: string, snapshot?: unknown) => DetectionEngine | null;

const tasksSnapshotSchema = z.object({ tasks: z.record(z.string(), z.unknown()) });

/** Event time a task may fall behind the furthest task before it is moved along. */
const followStepMs = 1_000;

/** The counters of EngineStats: what this instance did, so a task that leaves or arrives does not move them back. */
type Counters = Pick<
  EngineStats,
  | 'eventsObserved'
  | 'lateEvents'
  | 'evictedTraces'
  | 'windowsClosedEarly'
  | 'duplicateHops'
  | 'mergedObservations'
  | 'findingsByDetector'
>;

const noCounts = (): Counters => ({
  eventsObserved: 0,
  lateEvents: 0,
  evictedTraces: 0,
  windowsClosedEarly: {},
  duplicateHops: 0,
  mergedObservations: 0,
  findingsByDetector: {},
});

/**
 * The engine of a split pipeline's stage: one engine per input partition (a task), as a stream
 * processor keeps state per partition, so that the state can move with the partition: an instance
 * that is assigned a partition restores its task from the changelog (ingest/kafka-changelog.ts) and
 * goes on where the last holder's checkpoint left off.
 *
 * In the ingest stage event time stays the instance's, as with one engine: a task that falls a second
 * behind the furthest one is moved along (`moveAlong`: a partition with little traffic does not hold
 * its windows and waiting hops open), and the tasks tag their hops and watermark marks with their
 * task, whichever instance holds it. Each detect task goes by the ingest watermarks its own hops and
 * marks carry (UpstreamWatermarks, saved with it), never by another detect task's: what its partition
 * has yet to bring (a backlog taken over from the changelog, or hops behind another partition's mark)
 * is not made late. Idle watermark moves apply to every task.
 */
export class TaskEngines implements LaneEngine, TaskStates {
  private readonly engines = new Map<string, { engine: DetectionEngine; baseline: Counters }>();
  private furthest = Number.NEGATIVE_INFINITY;
  /** Counted by tasks that left. */
  private readonly retired = noCounts();

  constructor(
    private readonly create: TaskEngineFactory,
    private readonly moveAlong = true,
  ) {}

  /** From `snapshot()`'s output; a task that cannot be read is left out (see `unreadable`). */
  static restore(
    create: TaskEngineFactory,
    snapshot: unknown,
    moveAlong = true,
  ): { ok: true; engines: TaskEngines; unreadable: string[] } | { ok: false; reason: string } {
    const parsed = tasksSnapshotSchema.safeParse(snapshot);
    if (!parsed.success) return { ok: false, reason: 'engine snapshot: not one of a split stage’s tasks' };
    const engines = new TaskEngines(create, moveAlong);
    const unreadable = Object.entries(parsed.data.tasks)
      .filter(([task, saved]) => !engines.adopt(task, saved))
      .map(([task]) => task);
    return { ok: true, engines, unreadable };
  }

  observe(hop: HopEvent, task = ''): void {
    const { engine } = this.held(task);
    engine.observe(hop);
    this.follow(engine);
  }

  observeUpstream(tag: UpstreamTag, task = ''): void {
    const { engine } = this.held(task);
    engine.observeUpstream(tag);
    this.follow(engine);
  }

  upstreamMarks(): UpstreamTag[] {
    return [...this.engines.values()].flatMap(({ engine }) => engine.upstreamMarks());
  }

  private held(task: string): { engine: DetectionEngine; baseline: Counters } {
    let held = this.engines.get(task);
    if (held === undefined) {
      held = { engine: this.create(task)!, baseline: noCounts() };
      this.engines.set(task, held);
    }
    return held;
  }

  private follow(engine: DetectionEngine): void {
    const watermark = engine.currentWatermark();
    if (!this.moveAlong) this.furthest = Math.max(this.furthest, watermark);
    else if (watermark >= this.furthest + followStepMs) this.advanceWatermark(watermark);
  }

  advanceWatermark(watermark: number): void {
    if (watermark > this.furthest) this.furthest = watermark;
    for (const { engine } of this.engines.values()) engine.advanceWatermark(watermark);
  }

  currentWatermark(): number {
    return this.furthest;
  }

  flush(): void {
    for (const { engine } of this.engines.values()) engine.flush();
  }

  /** Gauges summed over the tasks held, counters over what this instance counted; the watermark is the slowest task's. */
  stats(): EngineStats {
    const total: EngineStats = {
      ...noCounts(),
      trackedTraces: 0,
      pendingHops: 0,
      watermark: null,
      detectorState: {},
      openIncidents: 0,
    };
    addCounters(total, this.retired, 1);
    for (const { engine, baseline } of this.engines.values()) {
      const stats = engine.stats();
      addCounters(total, stats, 1);
      addCounters(total, baseline, -1);
      total.trackedTraces += stats.trackedTraces;
      total.pendingHops += stats.pendingHops;
      total.openIncidents += stats.openIncidents;
      addCounts(total.detectorState, stats.detectorState, 1);
      if (stats.watermark !== null && (total.watermark === null || stats.watermark < total.watermark))
        total.watermark = stats.watermark;
    }
    return total;
  }

  snapshot(): JsonOut<{ tasks: Record<string, EngineSnapshot> }> {
    const tasks: Record<string, JsonOut<EngineSnapshot>> = {};
    for (const [task, { engine }] of this.engines) tasks[task] = engine.snapshot();
    return { tasks };
  }

  tasks(): string[] {
    return [...this.engines.keys()];
  }

  taskSnapshot(task: string): JsonOut<EngineSnapshot> | undefined {
    return this.engines.get(task)?.engine.snapshot();
  }

  writeTask(task: string, write: (slice: string) => Promise<void>): Promise<void> {
    return writeJsonInSlices(this.taskSnapshot(task) ?? null, write);
  }

  /** Replaces the task's state with `snapshot` (its changelog's); false when it cannot be read. */
  adopt(task: string, snapshot: unknown): boolean {
    const engine = this.create(task, snapshot);
    if (engine === null) return false;
    this.retire(task);
    this.engines.set(task, { engine, baseline: engine.stats() });
    return true;
  }

  /** An empty engine for the task if it has none yet (the instance's watermark moves reach it from then on). */
  hold(task: string): void {
    this.held(task);
  }

  /** The task moved to another instance. */
  drop(task: string): void {
    this.retire(task);
    this.engines.delete(task);
  }

  private retire(task: string): void {
    const held = this.engines.get(task);
    if (held === undefined) return;
    addCounters(this.retired, held.engine.stats(), 1);
    addCounters(this.retired, held.baseline, -1);
  }
}

function addCounters(total: Counters, counters: Counters, sign: 1 | -1): void {
  total.eventsObserved += sign * counters.eventsObserved;
  total.lateEvents += sign * counters.lateEvents;
  total.evictedTraces += sign * counters.evictedTraces;
  total.duplicateHops += sign * counters.duplicateHops;
  total.mergedObservations += sign * counters.mergedObservations;
  addCounts(total.findingsByDetector, counters.findingsByDetector, sign);
  addCounts(total.windowsClosedEarly, counters.windowsClosedEarly, sign);
}

function addCounts(total: Record<string, number>, counts: Record<string, number>, sign: 1 | -1): void {
  for (const [key, count] of Object.entries(counts)) total[key] = (total[key] ?? 0) + sign * count;
}
