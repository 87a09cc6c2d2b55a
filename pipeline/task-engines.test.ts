import { describe, expect, it } from 'vitest';
import type { HopEvent } from '../schemas/hop-event.js';
import { CollectingSink, engineConfig, fixedClock } from '../test/kits/detectors/run.js';
import {
  agentPingPong,
  fanoutExplosion,
  retryStorm,
  scenarioStart,
} from '../test/kits/detectors/scenarios.js';
import { createDetectionEngine, type EngineStage, restoreDetectionEngine } from './engine.js';
import { type TaskEngineFactory, TaskEngines } from './task-engines.js';

function tasksInto(sink: CollectingSink, stage?: EngineStage): TaskEngineFactory {
  const config = { ...engineConfig(), stage };
  return (task, saved) => {
    const deps = { now: fixedClock, upstreamId: task };
    if (saved === undefined) return createDetectionEngine(config, sink, deps);
    const restored = restoreDetectionEngine(config, saved, sink, deps);
    return restored.ok ? restored.engine : null;
  };
}

/** Three traces on two partitions, in event time, each hop with its task. */
function traffic(): Array<{ hop: HopEvent; task: string }> {
  const onFirst = [...fanoutExplosion(), ...retryStorm()].map((hop) => ({ hop, task: 'in/0' }));
  const onSecond = agentPingPong().map((hop) => ({ hop, task: 'in/1' }));
  return [...onFirst, ...onSecond].sort((a, b) => a.hop.ts - b.hop.ts);
}

const ids = (sink: CollectingSink) => sink.findings.map((finding) => finding.id).sort();
/** What the changelog carries: the task's snapshot as JSON text, read back. */
const saved = (engines: TaskEngines, task: string): unknown =>
  JSON.parse(JSON.stringify(engines.taskSnapshot(task)));

describe('TaskEngines', () => {
  it('gives the findings of one instance when a task moves to another instance mid-stream', () => {
    const whole = new CollectingSink();
    const alone = new TaskEngines(tasksInto(whole));
    for (const { hop, task } of traffic()) alone.observe(hop, task);
    alone.flush();
    expect(whole.findings.length).toBeGreaterThan(2);

    const split = new CollectingSink();
    const first = new TaskEngines(tasksInto(split));
    const second = new TaskEngines(tasksInto(split));
    const all = traffic();
    const half = Math.floor(all.length / 2);
    for (const { hop, task } of all.slice(0, half)) first.observe(hop, task);
    expect(first.tasks().sort()).toEqual(['in/0', 'in/1']);
    expect(second.adopt('in/0', saved(first, 'in/0'))).toBe(true);
    first.drop('in/0');
    for (const { hop, task } of all.slice(half)) (task === 'in/0' ? second : first).observe(hop, task);
    first.flush();
    second.flush();
    expect(ids(split)).toEqual(ids(whole));
  });

  it('counts what this instance observed: a task that leaves or arrives does not move the counters back or up', () => {
    const engines = new TaskEngines(tasksInto(new CollectingSink()));
    const all = traffic();
    for (const { hop, task } of all) engines.observe(hop, task);
    const other = new TaskEngines(tasksInto(new CollectingSink()));
    other.adopt('in/1', saved(engines, 'in/1'));
    engines.drop('in/1');
    expect(engines.stats().eventsObserved).toBe(all.length);
    expect(engines.tasks()).toEqual(['in/0']);
    expect(other.stats().eventsObserved).toBe(0);
    expect(other.stats().detectorState.recursion).toBeGreaterThan(0);
  });

  it('moves a task with little traffic along with the furthest one', () => {
    const engines = new TaskEngines(tasksInto(new CollectingSink()));
    const [early] = fanoutExplosion();
    engines.observe(early!, 'in/0');
    const later = { ...fanoutExplosion(scenarioStart + 3_600_000)[0]!, id: 'later', traceId: 'later' };
    engines.observe(later, 'in/1');
    const watermark = engines.currentWatermark();
    expect(watermark).toBeGreaterThan(scenarioStart);
    expect(engines.stats().watermark).toBe(watermark);
  });

  it('leaves each detect task to the ingest watermarks its own partition brings', () => {
    const engines = new TaskEngines(tasksInto(new CollectingSink(), 'detectors'), false);
    const mark = (watermark: number, task: string) =>
      engines.observeUpstream({ id: 'in/0', watermark }, task);
    mark(scenarioStart, 'hops/0');
    mark(scenarioStart + 1_000, 'hops/0');
    mark(scenarioStart + 3_600_000, 'hops/1');
    mark(scenarioStart + 3_601_000, 'hops/1');
    expect(engines.currentWatermark()).toBe(scenarioStart + 3_600_000);
    expect(engines.stats().watermark).toBe(scenarioStart);
  });

  it('resumes every task of its snapshot, and says which it could not read', () => {
    const engines = new TaskEngines(tasksInto(new CollectingSink()));
    for (const { hop, task } of traffic()) engines.observe(hop, task);
    const snapshot = JSON.parse(JSON.stringify(engines.snapshot())) as { tasks: Record<string, unknown> };
    snapshot.tasks['in/2'] = { version: 1 };
    const restored = TaskEngines.restore(tasksInto(new CollectingSink()), snapshot);
    if (!restored.ok) throw new Error(restored.reason);
    expect(restored.engines.tasks().sort()).toEqual(['in/0', 'in/1']);
    expect(restored.unreadable).toEqual(['in/2']);
    expect(TaskEngines.restore(tasksInto(new CollectingSink()), { version: 2 })).toMatchObject({ ok: false });
  });

  it('tags the hops each ingest task resolves, and its watermark marks, with its task, whichever instance holds it', () => {
    const sink = new CollectingSink();
    const engines = new TaskEngines(tasksInto(sink, 'lineage'));
    const all = traffic();
    for (const { hop, task } of all.slice(0, 20)) engines.observe(hop, task);
    const marks = engines.upstreamMarks();
    expect(marks.map(({ id }) => id).sort()).toEqual(['in/0', 'in/1']);
    for (const { watermark } of marks) expect(watermark).toBe(engines.stats().watermark);
    for (const { hop, task } of all.slice(20)) engines.observe(hop, task);
    engines.flush();
    const tasks = new Map(all.map(({ hop, task }) => [hop.id, task]));
    // Hops resolved before their task had a watermark carry no tag.
    const tagged = sink.hops.filter((hop) => hop.upstream !== undefined);
    expect(tagged.length).toBeGreaterThan(all.length / 2);
    for (const hop of tagged) expect(hop.upstream?.id).toBe(tasks.get(hop.id));

    const other = new TaskEngines(tasksInto(new CollectingSink(), 'lineage'));
    other.adopt('in/1', saved(engines, 'in/1'));
    expect(other.upstreamMarks().map(({ id }) => id)).toEqual(['in/1']);
    // The detect stage's engines send none.
    expect(new TaskEngines(tasksInto(new CollectingSink(), 'detectors')).upstreamMarks()).toEqual([]);
  });
});
