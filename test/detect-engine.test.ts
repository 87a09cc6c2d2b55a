import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configFingerprint, createDetectionEngine, restoreDetectionEngine } from '../pipeline/engine.js';
import type { HopEvent } from '../schemas/hop-event.js';
import { CollectingSink, engineConfig, fixedClock, runEngine } from './kits/detectors/run.js';
import {
  agentPingPong,
  authProbing,
  codeAssistantTask,
  fanoutExplosion,
  inventorySync,
  readOnlyDeletes,
  retryStorm,
  scenarioStart,
  sreIncident,
  stolenKeyFlood,
  supportTicket,
  tokenExchangeCreep,
} from './kits/detectors/scenarios.js';
import { byTime, hop, jwt } from './kits/detectors/traffic.js';

const minute = 60_000;
const lateness = 10_000;

/** Every attack and a little of every benign agent, spread over two hours. */
function mixedTraffic(): HopEvent[] {
  return byTime([
    ...inventorySync(2),
    ...supportTicket(1, scenarioStart + 2 * minute),
    ...supportTicket(2, scenarioStart + 9 * minute),
    ...codeAssistantTask(1, scenarioStart + 4 * minute),
    ...sreIncident(1, scenarioStart + 6 * minute),
    ...fanoutExplosion(scenarioStart + 10 * minute),
    ...agentPingPong(scenarioStart + 12 * minute),
    ...retryStorm(scenarioStart + 15 * minute),
    ...tokenExchangeCreep(scenarioStart + 20 * minute),
    ...readOnlyDeletes(scenarioStart + 25 * minute),
    ...stolenKeyFlood(scenarioStart + 30 * minute).slice(0, 700),
    ...authProbing(scenarioStart + 40 * minute),
  ]);
}

/** Arrival order where every event comes at most `lateness` after its own time: nothing is late. */
function arrivalWithinLateness(events: HopEvent[], jitter: number[]): HopEvent[] {
  return events
    .map((event, index) => ({ event, arrival: event.ts + (jitter[index % jitter.length] ?? 0) }))
    .sort((a, b) => a.arrival - b.arrival)
    .map(({ event }) => event);
}

const traffic = mixedTraffic();
const inOrder = runEngine(traffic);

const hour = 60 * minute;
const twoDays = (every: number, scenario: (n: number, start: number) => HopEvent[]) =>
  byTime(
    Array.from({ length: Math.floor((48 * hour) / every) }, (_, n) =>
      scenario(n, scenarioStart + n * every),
    ).flat(),
  );

describe('benign agents under the default configuration', () => {
  it.each([
    [
      'a support agent resolving a ticket every 20 minutes (billing → CRM → refund)',
      twoDays(20 * minute, supportTicket),
    ],
    [
      'a code assistant inspecting repositories, running CI and opening pull requests',
      twoDays(30 * minute, codeAssistantTask),
    ],
    ['an SRE bot retrying a deployment, scaling and posting status', twoDays(2 * hour, sreIncident)],
    ['an hourly inventory sync', inventorySync(48)],
  ])('%s raises nothing', (_name, events) => {
    expect(runEngine(events).findings).toEqual([]);
  });
});

/** One request of `agent` to the API, in a trace of its own. */
function request(agent: string, id: string, ts: number): HopEvent {
  return hop({ id, ts, credential: jwt(agent, []), from: agent, to: 'api', traceId: id });
}

const planner = jwt('planner', []);

/** The root hop of the planner's action `index` (trace t-<index>, span r-<index>). */
function plannerRoot(index: number, ts: number, durationMs: number): HopEvent {
  const span = `r-${index}`;
  const trace = `t-${index}`;
  return hop({
    id: span,
    ts,
    credential: planner,
    from: 'planner',
    to: 'gateway',
    traceId: trace,
    spanId: span,
    durationMs,
  });
}

/** A call made under the planner's action `index`, linked to its root by span. */
function plannerCall(index: number, id: string, ts: number, to: string): HopEvent {
  return hop({
    id,
    ts,
    credential: planner,
    from: 'gateway',
    to,
    traceId: `t-${index}`,
    spanId: id,
    parentSpanId: `r-${index}`,
  });
}

/** One detector's early window closes and finding rules over `traffic`, under a window cap when given. */
function underCap(traffic: HopEvent[], detector: string, maxOpenWindows?: number) {
  const { findings, engine } = runEngine(traffic, { detectors: { maxOpenWindows } });
  return {
    early: engine.stats().windowsClosedEarly[detector] ?? 0,
    rules: findings.filter((finding) => finding.detector === detector).map((finding) => finding.rule),
  };
}

describe('detection engine', () => {
  it('finds every attack of the mixed traffic and nothing on its benign part', () => {
    const rules = new Set(inOrder.findings.map((finding) => `${finding.detector}/${finding.rule}`));
    expect([...rules].sort()).toEqual([
      'fanout/fanout_limit',
      'rate/auth_failure_burst',
      'rate/origin_rate',
      'recursion/cycle',
      'recursion/depth',
      'recursion/repeat',
      'scope_expansion/privilege_gain',
      'scope_expansion/write_under_read_only',
    ]);
    expect(inOrder.engine.stats()).toMatchObject({ lateEvents: 0, pendingHops: 0 });
  });

  it('gives the same finding ids and lineage whatever the arrival order within the allowed lateness', () => {
    const expectedIds = inOrder.findings.map((finding) => finding.id).sort();
    const expectedLineage = new Map(
      inOrder.hops.map((hop) => [hop.id, [hop.originCredential, hop.parentId, hop.depth]]),
    );
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: lateness - 1 }), { minLength: 7, maxLength: 97 }),
        (jitter) => {
          const shuffled = runEngine(arrivalWithinLateness(traffic, jitter));
          expect(shuffled.engine.stats().lateEvents).toBe(0);
          expect(shuffled.findings.map((finding) => finding.id).sort()).toEqual(expectedIds);
          for (const hop of shuffled.hops) {
            expect([hop.originCredential, hop.parentId, hop.depth]).toEqual(expectedLineage.get(hop.id));
          }
        },
      ),
      { numRuns: 15 },
    );
  });

  it('yields byte-identical findings when the same input is run twice', () => {
    const again = runEngine(traffic);
    expect(JSON.stringify(again.findings)).toBe(JSON.stringify(inOrder.findings));
  });

  it('restored from a JSON snapshot, gives the same findings as an uninterrupted run', () => {
    for (const cut of [1, 400, 1_000, 1_300, traffic.length - 1]) {
      const sink = new CollectingSink();
      const first = createDetectionEngine(engineConfig(), sink, { now: fixedClock });
      for (const event of traffic.slice(0, cut)) first.observe(event);
      const saved = JSON.parse(JSON.stringify(first.snapshot()));
      const restored = restoreDetectionEngine(engineConfig(), saved, sink, { now: fixedClock });
      if (!restored.ok) throw new Error(restored.reason);
      for (const event of traffic.slice(cut)) restored.engine.observe(event);
      restored.engine.flush();
      expect(JSON.stringify(sink.findings)).toBe(JSON.stringify(inOrder.findings));
      expect(restored.engine.stats().findingsByDetector).toEqual(inOrder.engine.stats().findingsByDetector);
    }
  });

  it('restores a snapshot taken before the detectors shared their root-action anchors (each kept its own)', () => {
    // The moment of the traffic when the most root actions are anchored.
    const probe = createDetectionEngine(engineConfig(), new CollectingSink(), { now: fixedClock });
    let cut = 0;
    let most = 0;
    traffic.forEach((event, index) => {
      probe.observe(event);
      if (index % 10 !== 0) return;
      const anchored = JSON.parse(JSON.stringify(probe.snapshot())).rootAnchors.entries.length;
      if (anchored > most) [cut, most] = [index + 1, anchored];
    });
    expect(most).toBeGreaterThan(1);
    const sink = new CollectingSink();
    const first = createDetectionEngine(engineConfig(), sink, { now: fixedClock });
    for (const event of traffic.slice(0, cut)) first.observe(event);
    const saved = JSON.parse(JSON.stringify(first.snapshot()));
    const anchors = saved.rootAnchors;
    for (const name of ['fanout', 'recursion', 'scope_expansion']) saved.detectors[name].anchors = anchors;
    delete saved.rootAnchors;
    const restored = restoreDetectionEngine(engineConfig(), saved, sink, { now: fixedClock });
    if (!restored.ok) throw new Error(restored.reason);
    expect(JSON.parse(JSON.stringify(restored.engine.snapshot())).rootAnchors).toEqual(anchors);
    for (const event of traffic.slice(cut)) restored.engine.observe(event);
    restored.engine.flush();
    expect(JSON.stringify(sink.findings)).toBe(JSON.stringify(inOrder.findings));
  });

  it('refuses a snapshot it did not write, with a reason', () => {
    const restored = restoreDetectionEngine(engineConfig(), { version: 99 }, new CollectingSink(), {
      now: fixedClock,
    });
    expect(restored).toEqual({ ok: false, reason: 'engine snapshot: version 99 is not 2' });
  });

  type SavedDetectors = Record<string, { windows: { windows: Array<{ acc: object }> } }>;

  /** A JSON round trip of the engine's state at the first moment of the mixed traffic when a detector has an open window. */
  function savedWithOpenWindow(): { saved: Record<string, unknown>; detectors: SavedDetectors } {
    const engine = createDetectionEngine(engineConfig(), new CollectingSink(), { now: fixedClock });
    for (const event of traffic) {
      engine.observe(event);
      const saved = JSON.parse(JSON.stringify(engine.snapshot()));
      const detectors = saved.detectors as SavedDetectors;
      if (Object.values(detectors).some((state) => state.windows.windows.length > 0))
        return { saved, detectors };
    }
    throw new Error('no detector ever held an open window');
  }

  it('refuses a snapshot taken under another detector configuration, and says so', () => {
    const other = engineConfig({ detectors: { fanout: { maxDescendants: 30 } } });
    const restored = restoreDetectionEngine(other, savedWithOpenWindow().saved, new CollectingSink(), {
      now: fixedClock,
    });
    expect(restored.ok).toBe(false);
    expect(restored.ok ? '' : restored.reason).toContain(
      'taken under another lineage/detectors configuration',
    );
  });

  it('refuses a detector state that does not read as one, naming the detector and the field', () => {
    const { saved, detectors } = savedWithOpenWindow();
    const [name, state] = Object.entries(detectors).find(([, state]) => state.windows.windows.length > 0)!;
    state.windows.windows[0]!.acc = { ...state.windows.windows[0]!.acc, late: 'many' };
    const restored = restoreDetectionEngine(engineConfig(), saved, new CollectingSink(), { now: fixedClock });
    expect(restored).toEqual({
      ok: false,
      reason: expect.stringContaining(`(${name} snapshot: windows.windows.0.acc.late: `),
    });
  });

  it('counts late events and judges them in their own windows, reopened, never in a later one', () => {
    const flood = stolenKeyFlood();
    const earlier = stolenKeyFlood(scenarioStart - 10 * minute).map((event) => ({
      ...event,
      id: `late-${event.id}`,
      traceId: `late-${event.traceId}`,
    }));
    const { findings, hops, engine } = runEngine([...flood, ...earlier]);
    expect(engine.stats().lateEvents).toBe(earlier.length);
    expect(hops.filter((hop) => hop.id.startsWith('late-'))).toHaveLength(earlier.length);
    const byStart = new Map(findings.map((finding) => [finding.windowStart, finding.evidence]));
    expect(byStart.get(scenarioStart)).toMatchObject({ requests: 1500, late: 0 });
    expect(byStart.get(scenarioStart - 10 * minute)).toMatchObject({ requests: 1500, late: 1500 });
  });

  it('publishes a finding once: a window reopened by late requests raises its id again, and the first version stands, across a restore', () => {
    const flood = stolenKeyFlood();
    // Ten minutes on: the flood's window is judged; then the same minute again, every request late.
    const later = request('someone-else', 'later', scenarioStart + 10 * minute);
    const stragglers = stolenKeyFlood().map((event) => ({
      ...event,
      id: `late-${event.id}`,
      traceId: `late-${event.traceId}`,
    }));
    const sink = new CollectingSink();
    const first = createDetectionEngine(engineConfig(), sink, { now: fixedClock });
    for (const event of [...flood, later]) first.observe(event);
    const saved = JSON.parse(JSON.stringify(first.snapshot()));
    const restored = restoreDetectionEngine(engineConfig(), saved, sink, { now: fixedClock });
    if (!restored.ok) throw new Error(restored.reason);
    for (const event of stragglers) restored.engine.observe(event);
    restored.engine.flush();

    expect(restored.engine.stats().lateEvents).toBe(stragglers.length);
    const ofFlood = sink.findings.filter((finding) => finding.windowStart === scenarioStart);
    expect(ofFlood).toHaveLength(1);
    // What the webhooks delivered and the findings topic kept: the window as it was judged on time.
    expect(ofFlood[0]!.evidence).toMatchObject({ requests: 1_500, late: 0 });
    expect(restored.engine.stats().findingsByDetector).toMatchObject({ rate: 1 });
  });

  it('keeps its state flat under an endless stream of distinct traces', () => {
    const sink = { hop: () => {}, finding: () => {} };
    const config = engineConfig({ lineage: { maxTraces: 200 }, detectors: { maxTrackedKeys: 500 } });
    const engine = createDetectionEngine(config, sink, { now: fixedClock });
    const perMinute = 3_000;
    const sizes: Array<{ traces: number; evicted: number; state: number }> = [];
    for (let index = 0; index < 6 * perMinute; index++) {
      engine.observe(
        hop({
          id: `e-${index}`,
          ts: scenarioStart + index * (minute / perMinute),
          credential: jwt(`agent-${index % 5_000}`, []),
          from: `agent-${index % 5_000}`,
          to: 'api',
          traceId: `trace-${index}`,
        }),
      );
      // Sampled at the same point of every minute, since windows fill and empty within one.
      if (index % perMinute === perMinute - 1) {
        const stats = engine.stats();
        const state = Object.values(stats.detectorState).reduce((sum, size) => sum + size, 0);
        sizes.push({ traces: stats.trackedTraces + stats.pendingHops, evicted: stats.evictedTraces, state });
      }
    }
    expect(sizes.every((size) => size.traces <= 400)).toBe(true);
    const evicted = sizes.map((size) => size.evicted);
    expect(evicted).toEqual([...evicted].sort((a, b) => a - b));
    expect(evicted[5]!).toBeGreaterThan(evicted[2]!);
    const settled = sizes.slice(2).map((size) => size.state);
    expect(Math.max(...settled)).toBeLessThanOrEqual(Math.min(...settled) * 1.05);
  });

  it('holds at most detectors.maxOpenWindows windows per window set when traces come denser than that', () => {
    const run = (maxOpenWindows?: number) => {
      const sink = new CollectingSink();
      const config = engineConfig({ detectors: { maxOpenWindows, maxTrackedKeys: 1_000 } });
      const engine = createDetectionEngine(config, sink, { now: fixedClock });
      let largest = 0;
      // 12,000 root actions within a minute of event time: each opens a window in every per-root-action set.
      for (let index = 0; index < 12_000; index++) {
        engine.observe(
          hop({
            id: `dense-${index}`,
            ts: scenarioStart + index * 5,
            credential: jwt(`agent-${index % 50}`, []),
            from: `agent-${index % 50}`,
            to: 'api',
            traceId: `dense-trace-${index}`,
          }),
        );
        largest = Math.max(largest, engine.stats().detectorState.fanout ?? 0);
      }
      engine.flush();
      return { largest, stats: engine.stats(), hops: sink.hops.length };
    };
    const unlimited = run();
    const limited = run(1_000);
    expect(unlimited.largest).toBeGreaterThan(9_000);
    expect(unlimited.stats.windowsClosedEarly).toEqual({
      fanout: 0,
      recursion: 0,
      scope_expansion: 0,
      rate: 0,
    });
    // The fan-out detector's state: its windows (one more until the next close), the root-action
    // anchors (maxTrackedKeys) and a history per origin.
    expect(limited.largest).toBeLessThanOrEqual(1_000 + 1 + 1_000 + 50);
    // Fan-out and recursion open one window per root action: all but the last 1,000 of each closed
    // early, counted per detector.
    expect(limited.stats.windowsClosedEarly).toEqual({
      fanout: 11_000,
      recursion: 11_000,
      scope_expansion: 0,
      rate: 0,
    });
    // Nothing is dropped: every hop is still resolved and counted.
    expect(limited.hops).toBe(12_000);
    expect(limited.stats.eventsObserved).toBe(12_000);
    // The cap sizes state without changing its meaning: state saved under another cap (or before
    // there was one) resumes, where another window size or key cap starts afresh.
    const withCap = (detectors: Record<string, number>) => configFingerprint(engineConfig({ detectors }));
    expect(withCap({ maxOpenWindows: 1_000 })).toBe(withCap({}));
    expect(withCap({ maxTrackedKeys: 1_000 })).not.toBe(withCap({}));
  });

  it('learns no baseline from windows the cap cut short: dense traffic leaves no false anomaly behind', () => {
    // A root action making 12 calls over 12 s, each the same as the others: nothing to find.
    const action = (index: number, start: number): HopEvent[] => [
      plannerRoot(index, start, 20_000),
      ...Array.from({ length: 12 }, (_, n) =>
        plannerCall(index, `c-${index}-${n}`, start + 1_000 + n * 1_000, `service-${n % 4}`),
      ),
    ];
    // Ten minutes of a root action every 600 ms (far more open at once than a cap of 5), then an hour
    // of one a minute, which the cap leaves whole.
    const dense = Array.from({ length: 1_000 }, (_, index) => action(index, scenarioStart + index * 600));
    const calmStart = scenarioStart + 11 * minute;
    const calm = Array.from({ length: 60 }, (_, index) => action(1_000 + index, calmStart + index * minute));
    const traffic = byTime([...dense, ...calm].flat());
    expect(underCap(traffic, 'fanout')).toEqual({ early: 0, rules: [] });
    // Cut short, a window holds a few of its calls: learned as whole windows, those counts made every
    // later whole action look far above usual.
    const capped = underCap(traffic, 'fanout', 5);
    expect(capped.early).toBeGreaterThan(1_000);
    expect(capped.rules).toEqual([]);
  });

  it('learns no fan-out baseline from a window reopened by late calls, which holds only those', () => {
    // A root action every 25 s making 20 calls within 20 s; three more calls of each arrive one by one,
    // each after its window was judged (a log shipper's delayed batches).
    const actions = 40;
    const start = (index: number) => scenarioStart + index * 25_000;
    const onTime = (index: number): HopEvent[] => [
      plannerRoot(index, start(index), 30_000),
      ...Array.from({ length: 20 }, (_, n) =>
        plannerCall(index, `c-${index}-${n}`, start(index) + 1_000 + n * 1_000, `service-${n % 4}`),
      ),
    ];
    const straggler = (index: number, time: number) =>
      plannerCall(index, `late-${index}-${time}`, start(index) + 25_000, `service-${time}`);
    const arrivals: HopEvent[] = [];
    for (let index = 0; index < actions; index++) {
      arrivals.push(...onTime(index));
      for (const [behind, time] of [
        [3, 1],
        [4, 2],
        [5, 3],
      ] as const)
        if (index >= behind) arrivals.push(straggler(index - behind, time));
    }
    const { findings, engine } = runEngine(arrivals);
    expect(engine.stats().lateEvents).toBeGreaterThan(90);
    expect(findings.filter((finding) => finding.detector === 'fanout')).toEqual([]);
  });

  it('learns no request-rate baseline from a window reopened by late requests, which holds only those', () => {
    // One agent at 100 requests a minute; four late requests of each of its first 38 minutes arrive one
    // by one, 66 s apart, each after the window the last one reopened was judged (a log shipper's
    // delayed batches).
    const late = new Map<number, HopEvent[]>();
    for (let minuteOf = 0; minuteOf < 38; minuteOf++) {
      for (let k = 0; k < 4; k++) {
        const arrives = (minuteOf + 2) * 100 + k * 110;
        const event = request('agent', `late-${minuteOf}-${k}`, scenarioStart + minuteOf * minute + 30_000);
        late.set(arrives, [...(late.get(arrives) ?? []), event]);
      }
    }
    const arrivals: HopEvent[] = [];
    for (let index = 0; index < 43 * 100; index++) {
      arrivals.push(request('agent', `on-time-${index}`, scenarioStart + index * 600));
      arrivals.push(...(late.get(index) ?? []));
    }
    const { findings, engine } = runEngine(arrivals);
    expect(engine.stats().lateEvents).toBe(38 * 4);
    expect(findings.filter((finding) => finding.detector === 'rate')).toEqual([]);
  });

  it('learns no fan-out baseline from the rest of an action resumed after its anchor was forgotten', () => {
    // An agent's task: 24 calls, then four times a single call after a pause of two and a half minutes
    // (longer than an action's anchor is kept), as when it waits for a human between steps.
    const action = (index: number, start: number): HopEvent[] => [
      plannerRoot(index, start, 700_000),
      ...Array.from({ length: 24 }, (_, n) =>
        plannerCall(index, `c-${index}-${n}`, start + 100 + n * 100, `service-${n % 4}`),
      ),
      ...Array.from({ length: 4 }, (_, n) =>
        plannerCall(index, `resume-${index}-${n}`, start + (n + 1) * 150_000, 'service-0'),
      ),
    ];
    const traffic = byTime(
      Array.from({ length: 40 }, (_, index) => action(index, scenarioStart + index * 30_000)).flat(),
    );
    expect(runEngine(traffic).findings.filter((finding) => finding.detector === 'fanout')).toEqual([]);
  });

  it('takes an action’s grant from its root only: a pause longer than the anchor is kept raises nothing', () => {
    // A support agent's task: its token is exchanged for narrower ones per call. After its first call
    // it waits two and a half minutes (a human approves), longer than the action's anchor is kept.
    const scopes = ['tickets:read', 'tickets:write', 'crm:write'];
    const call = (id: string, ts: number, granted: string[], method = 'GET', to = 'tickets') =>
      hop({
        id,
        ts,
        credential: jwt('support-01', granted),
        from: 'support-agent',
        to,
        method,
        traceId: 'task',
        spanId: id,
        parentSpanId: 'root',
      });
    const task = [
      hop({
        id: 'root',
        ts: scenarioStart,
        credential: jwt('support-01', scopes),
        from: 'chat',
        to: 'support-agent',
        method: 'POST',
        traceId: 'task',
        spanId: 'root',
        durationMs: 200_000,
      }),
      call('read-ticket', scenarioStart + 1_000, ['tickets:read']),
      call('read-again', scenarioStart + 151_000, ['tickets:read']),
      call('update-crm', scenarioStart + 152_000, ['crm:write'], 'PATCH', 'crm'),
    ];
    // Other traffic keeps event time moving meanwhile.
    const others = Array.from({ length: 60 }, (_, index) =>
      hop({
        id: `other-${index}`,
        ts: scenarioStart + index * 5_000,
        credential: jwt('monitor', ['metrics:read']),
        from: 'monitor',
        to: 'metrics',
        traceId: `other-${index}`,
      }),
    );
    // An action whose origin a delegation names starts below the top of its trace, and is judged: its
    // read-only grant, then a write with a scope it never had.
    const user = jwt('user-7', ['docs:read']);
    const delegated = [
      hop({
        id: 'gw',
        ts: scenarioStart + 10_000,
        credential: jwt('gateway', []),
        from: 'edge',
        to: 'gateway',
        traceId: 'd',
        spanId: 'gw',
        durationMs: 5_000,
      }),
      hop({
        id: 'as-user',
        ts: scenarioStart + 10_100,
        credential: user,
        from: 'gateway',
        to: 'docs-agent',
        traceId: 'd',
        spanId: 'as-user',
        parentSpanId: 'gw',
        delegation: [user.id],
        durationMs: 4_000,
      }),
      hop({
        id: 'write',
        ts: scenarioStart + 10_200,
        credential: jwt('docs-agent', ['docs:write']),
        from: 'docs-agent',
        to: 'docs',
        method: 'PATCH',
        traceId: 'd',
        spanId: 'write',
        parentSpanId: 'as-user',
      }),
    ];
    const { findings } = runEngine(byTime([...task, ...others, ...delegated]));
    const scope = findings.filter((finding) => finding.detector === 'scope_expansion');
    expect(scope.map((finding) => [finding.originCredential, finding.rule]).sort()).toEqual([
      [user.id, 'privilege_gain'],
      [user.id, 'write_under_read_only'],
    ]);
  });

  it('judges a source whose every record comes late, one by one, on whole windows', () => {
    // Agent `a` on time drives the watermark; each request of agent `b` arrives 90 s after it was made
    // (its gateway's shipper runs that far behind), after its window was judged: every one is late.
    const timed: Array<{ arrives: number; event: HopEvent }> = [];
    // a: 500 requests a minute for six minutes, each arriving as it is made.
    for (let index = 0; index < 6 * 500; index++) {
      const ts = scenarioStart + index * 120;
      timed.push({ arrives: ts, event: request('a', `a-${index}`, ts) });
    }
    // b: 100 requests a minute, but 700 in its third (over the limit of 600), each arriving 90 s late.
    for (let minuteOf = 0; minuteOf < 5; minuteOf++) {
      const count = minuteOf === 2 ? 700 : 100;
      for (let index = 0; index < count; index++) {
        const ts = scenarioStart + minuteOf * minute + Math.floor((index * minute) / count);
        timed.push({ arrives: ts + 90_000, event: request('b', `b-${minuteOf}-${index}`, ts) });
      }
    }
    const arrivals = timed.sort((x, y) => x.arrives - y.arrives).map(({ event }) => event);
    const { findings } = runEngine(arrivals);
    const rate = findings.filter((finding) => finding.detector === 'rate');
    expect(rate.map((finding) => [finding.rule, finding.originCredential, finding.windowStart])).toEqual([
      ['origin_rate', jwt('b', []).id, scenarioStart + 2 * minute],
    ]);
    expect(rate[0]!.evidence).toMatchObject({ requests: 700, late: 700 });
  });

  it('learns the request-rate baseline of a source whose windows all come late, and judges it', () => {
    // Agent `a` on time drives the watermark; agent `b`'s shipper sends its last five minutes at once,
    // 20 s after they end: every window of b is late, and whole.
    // b makes 100 requests a minute for 30 minutes, then 400 in each of the next five.
    const b = (block: number): HopEvent[] =>
      Array.from({ length: 500 }, (_, step) => scenarioStart + (block * 500 + step) * 600).flatMap(
        (ts, step) =>
          Array.from({ length: ts >= scenarioStart + 30 * minute ? 4 : 1 }, (_, copy) =>
            request('b', `b-${block}-${step}-${copy}`, ts),
          ),
      );
    const arrivals: HopEvent[] = [];
    for (let index = 0; index < 36 * 100; index++) {
      arrivals.push(request('a', `a-${index}`, scenarioStart + index * 600));
      // 20 s past the end of each five-minute block of b.
      if (index >= 500 + 33 && (index - 33) % 500 === 0) arrivals.push(...b((index - 33) / 500 - 1));
    }
    const { findings, engine } = runEngine(arrivals);
    expect(engine.stats().lateEvents).toBe(30 * 100 + 5 * 400);
    const rate = findings.filter((finding) => finding.detector === 'rate');
    const bOrigin = jwt('b', []).id;
    expect(new Set(rate.map((finding) => `${finding.rule} ${finding.originCredential}`))).toEqual(
      new Set([`origin_rate_anomaly ${bOrigin}`]),
    );
    expect(rate[0]!.evidence).toMatchObject({ requests: 400, late: 400, baseline: { median: 100 } });
  });

  it('learns no request-rate baseline from windows the cap cut short', () => {
    // Ten agents making 100 requests a minute each for 20 minutes (more credentials at once than a cap
    // of 5), then one of them alone at the same pace for 20 more: nothing to find.
    const traffic: HopEvent[] = [];
    for (let index = 0; index < 20 * 100 * 10; index++)
      traffic.push(
        request(`agent-${index % 10}`, `request-${index}`, scenarioStart + Math.floor(index / 10) * 600),
      );
    const calmStart = scenarioStart + 20 * minute;
    for (let index = 0; index < 20 * 100; index++)
      traffic.push(request('agent-0', `request-${20 * 100 * 10 + index}`, calmStart + index * 600));
    expect(underCap(traffic, 'rate')).toEqual({ early: 0, rules: [] });
    const capped = underCap(traffic, 'rate', 5);
    expect(capped.early).toBeGreaterThan(100);
    expect(capped.rules).toEqual([]);
  });

  it('judges a window closed early with what it holds: the finding keeps its id and says so', () => {
    const attacker = jwt('planner', []);
    const attack = [
      hop({
        id: 'root',
        ts: scenarioStart,
        credential: attacker,
        from: 'planner',
        to: 'gateway',
        traceId: 't',
        spanId: 'r',
        durationMs: 5_000,
      }),
      ...Array.from({ length: 30 }, (_, index) =>
        hop({
          id: `call-${index}`,
          ts: scenarioStart + 10 + index,
          credential: attacker,
          from: 'gateway',
          to: `service-${index}`,
          traceId: 't',
          spanId: `c${index}`,
          parentSpanId: 'r',
        }),
      ),
    ];
    // Other root actions after it: 300 within 30 s, each opening its own windows.
    const others = Array.from({ length: 300 }, (_, index) =>
      hop({
        id: `other-${index}`,
        ts: scenarioStart + 1_000 + index * 100,
        credential: jwt(`agent-${index % 20}`, []),
        from: `agent-${index % 20}`,
        to: 'api',
        traceId: `other-${index}`,
      }),
    );
    const fanoutOf = (maxOpenWindows?: number) => {
      const sink = new CollectingSink();
      const engine = createDetectionEngine(engineConfig({ detectors: { maxOpenWindows } }), sink, {
        now: fixedClock,
      });
      for (const event of [...attack, ...others]) engine.observe(event);
      engine.flush();
      const early = maxOpenWindows === undefined ? 0 : 301 - 100;
      expect(engine.stats().windowsClosedEarly).toMatchObject({ fanout: early, recursion: early });
      return sink.findings.filter((finding) => finding.detector === 'fanout');
    };
    const onTime = fanoutOf();
    const early = fanoutOf(100);
    expect(onTime).toHaveLength(1);
    expect(early.map((finding) => finding.id)).toEqual(onTime.map((finding) => finding.id));
    expect(onTime[0]!.evidence).not.toHaveProperty('closedEarly');
    expect(early[0]!.evidence).toEqual({ ...onTime[0]!.evidence, closedEarly: true });
  });
});
