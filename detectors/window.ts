import FlatQueue from 'flatqueue';
import { appended } from '../common/exact-array.js';
import { JsonList } from '../common/json-slices.js';

/** Start of the tumbling window of `sizeMs` containing `ts`, windows aligned on `anchor`. */
export function tumblingStart(ts: number, sizeMs: number, anchor = 0): number {
  return anchor + Math.floor((ts - anchor) / sizeMs) * sizeMs;
}

/** Starts of every sliding window [start, start + sizeMs) containing `ts`, starts on multiples of `slideMs`, oldest first. */
export function slidingStarts(ts: number, sizeMs: number, slideMs: number): number[] {
  const starts: number[] = [];
  const newest = tumblingStart(ts, slideMs);
  for (let start = newest - Math.ceil(sizeMs / slideMs - 1) * slideMs; start <= newest; start += slideMs) {
    if (ts < start + sizeMs) starts.push(start);
  }
  return starts;
}

/**
 * A closed window; `closedEarly` when it closed before the watermark reached its end (see KeyedWindows).
 * `partial` when its counts may be cut short: it closed early, or it may hold the rest of one that did
 * (it ends no later than a window of its detector closed early). Such counts are judged, as lower
 * bounds, but never learned as what a whole window holds (baselines).
 */
export type ClosedWindow<Acc> = {
  key: string;
  start: number;
  end: number;
  acc: Acc;
  closedEarly?: true;
  partial?: true;
};

/** What a finding's evidence says of its window's timing: the late hops it counted, and an early close. */
export function windowTiming(closed: ClosedWindow<{ late: number }>): { late: number; closedEarly?: true } {
  return closed.closedEarly ? { late: closed.acc.late, closedEarly: true } : { late: closed.acc.late };
}

/** `close` when no window is due (almost every watermark move): nothing allocated. */
const noneClosed: readonly ClosedWindow<never>[] = Object.freeze([]);

/**
 * Which window an accumulator is, written by KeyedWindows when it opens it (a new accumulator holds
 * '' and 0). The accumulator carries it instead of an object around it: a wrapper and its boxed end
 * time weighed 72 bytes a window, about one window per tracked trace.
 */
export type WindowPlace = { key: string; start: number; sizeMs: number };

/** An accumulator without its place: what a snapshot saves and a restore loads. */
export type WindowFields<Acc> = Omit<Acc, 'key' | 'start' | 'sizeMs'>;

/** `due`: when a late window reopened for late events closes, if it is held open (see KeyedWindows). */
export type WindowRecord<Saved> = { key: string; start: number; end: number; due?: number; acc: Saved };

const closedView = <Acc extends WindowPlace>(acc: Acc): ClosedWindow<Acc> => ({
  key: acc.key,
  start: acc.start,
  end: acc.start + acc.sizeMs,
  acc,
});

/**
 * How many windows each KeyedWindows of an engine holds open (`detectors.maxOpenWindows`), and how many
 * were closed before the watermark reached them because a new one came past that.
 */
export class WindowLimit {
  closedEarly = 0;
  /** The latest end of a window closed early: windows ending by then may be the rest of one (`partial`). */
  earlyUpTo = Number.NEGATIVE_INFINITY;

  constructor(readonly maxOpen: number) {}
}

/**
 * Open event-time windows per key, closed when the watermark reaches their end. Closing order is
 * (end, start, key), whatever the arrival order, so that anything carried from one window to the
 * next (baselines, learned sets) evolves the same way on every replay.
 *
 * Bounded: a window opened past `limit.maxOpen` closes the one that ends first, which is judged at the
 * next close with what it holds. A later event of it reopens it, as a late one does, and the finding
 * keeps its id (the engine publishes an id once: pipeline/published-findings.ts): traffic denser than
 * the limit costs exactness, never memory without end.
 */
export class KeyedWindows<Acc extends WindowPlace & { late: number }> {
  private readonly open = new Map<string, OpenWindows<Acc>>();
  private readonly timers = new FlatQueue<Acc>();
  /** Closed early (see the class), handed out by the next `close`. */
  private early: Acc[] = [];
  /** Windows reopened by late events, and the watermark they close at (see `tumbling`). */
  private readonly held = new Map<Acc, number>();
  private closedUpTo = Number.NEGATIVE_INFINITY;
  private count = 0;

  constructor(
    private readonly createAcc: () => Acc,
    private readonly limit: WindowLimit,
  ) {}

  /** Windows held: open, or closed early and not handed out yet. */
  get size(): number {
    return this.count + this.early.length;
  }

  /** The watermark the windows were last closed at. */
  get watermark(): number {
    return this.closedUpTo;
  }

  /**
   * The tumbling window of `key` containing `ts` (aligned on `anchor`). An event whose window has
   * already closed is late: it reopens its own window, counted there as late — never dropped, and
   * never crammed into a later window it does not belong to (a trace exported whole when it ends
   * arrives late, and keeps its own timing). The reopened window is held open for one window length
   * of watermark progress, so that a source whose logs all come late (a shipper far behind) has its
   * window judged whole, once, not a sliver at every watermark move.
   */
  tumbling(key: string, ts: number, sizeMs: number, anchor = 0): Acc {
    const start = tumblingStart(ts, sizeMs, anchor);
    const acc = this.window(key, start, start + sizeMs);
    if (start + sizeMs <= this.closedUpTo) acc.late++;
    return acc;
  }

  /** Every sliding window of `key` containing `ts`; a late event reopens the closed ones, as above. */
  sliding(key: string, ts: number, sizeMs: number, slideMs: number): Acc[] {
    const accs: Acc[] = [];
    for (const start of slidingStarts(ts, sizeMs, slideMs)) {
      const acc = this.window(key, start, start + sizeMs);
      if (start + sizeMs <= this.closedUpTo) acc.late++;
      accs.push(acc);
    }
    return accs;
  }

  /** The open window of `key` holding `ts`, without opening one: explanations read state, never change it. */
  peek(key: string, ts: number): ClosedWindow<Acc> | undefined {
    const existing = this.open.get(key);
    if (existing === undefined) return undefined;
    for (const acc of each(existing)) {
      if (acc.start <= ts && ts < acc.start + acc.sizeMs) return closedView(acc);
    }
    return undefined;
  }

  private window(key: string, start: number, end: number): Acc {
    const existing = this.open.get(key);
    return (existing === undefined ? undefined : startingAt(existing, start)) ?? this.opened(key, start, end);
  }

  /** A new window; one the watermark has passed already is held open (see `tumbling`). */
  private opened(key: string, start: number, end: number): Acc {
    const due = end <= this.closedUpTo ? this.closedUpTo + (end - start) : end;
    return this.insert(key, start, end, this.createAcc(), due);
  }

  private insert(key: string, start: number, end: number, acc: Acc, due: number): Acc {
    acc.key = key;
    acc.start = start;
    // A small integer: the difference of two epoch times is a double to V8, and a field once given a
    // double keeps every window's boxed (a 16-byte heap number each, a million windows over).
    acc.sizeMs = Math.round(end - start);
    this.open.set(key, withWindow(this.open.get(key), acc));
    if (due !== end) this.held.set(acc, due);
    this.timers.push(acc, due);
    this.count++;
    if (this.count > this.limit.maxOpen) this.closeFirstEnding();
    return acc;
  }

  private closeFirstEnding(): void {
    const acc = this.timers.pop()!;
    this.forget(acc);
    this.count--;
    this.early.push(acc);
    this.limit.closedEarly++;
    this.limit.earlyUpTo = Math.max(this.limit.earlyUpTo, acc.start + acc.sizeMs);
  }

  /** Closes every window whose end is at or before the watermark, with those closed early, in (end, start, key) order. */
  close(watermark: number): readonly ClosedWindow<Acc>[] {
    if (watermark > this.closedUpTo) this.closedUpTo = watermark;
    const due = (this.timers.peekValue() ?? Number.POSITIVE_INFINITY) <= this.closedUpTo;
    if (!due && this.early.length === 0) return noneClosed;
    const closed = this.early.map(
      (acc): ClosedWindow<Acc> => ({ ...closedView(acc), closedEarly: true, partial: true }),
    );
    this.early = [];
    while (
      this.timers.length > 0 &&
      (this.timers.peekValue() ?? Number.POSITIVE_INFINITY) <= this.closedUpTo
    ) {
      const acc = this.timers.pop()!;
      this.forget(acc);
      this.count--;
      const view = closedView(acc);
      if (view.end <= this.limit.earlyUpTo) view.partial = true;
      closed.push(view);
    }
    if (closed.length > 1) closed.sort(compareWindows);
    return closed;
  }

  private forget(acc: Acc): void {
    if (this.held.size > 0) this.held.delete(acc);
    const existing = this.open.get(acc.key);
    if (existing === undefined) return;
    const rest = withoutWindow(existing, acc);
    if (rest === undefined) this.open.delete(acc.key);
    else if (rest !== existing) this.open.set(acc.key, rest);
  }

  /**
   * The open windows, each saved as it is written (see JsonList): nothing is copied or sorted up
   * front, so taking a snapshot does not hold the event loop (restore orders them by end again).
   */
  snapshot<Saved>(save: (acc: WindowFields<Acc>) => Saved): {
    closedUpTo: number | null;
    earlyUpTo?: number;
    windows: JsonList<WindowRecord<Saved>>;
  } {
    const { open, early, held } = this;
    // Windows closed early and not judged yet are saved with the open ones (restored past the limit, they close early again).
    const windows = new JsonList(function* () {
      for (const entry of open.values()) {
        for (const acc of each(entry)) yield windowRecord(acc, save, held.get(acc));
      }
      for (const acc of early) yield windowRecord(acc, save, undefined);
    });
    const { earlyUpTo } = this.limit;
    return {
      closedUpTo: Number.isFinite(this.closedUpTo) ? this.closedUpTo : null,
      ...(Number.isFinite(earlyUpTo) ? { earlyUpTo } : {}),
      windows,
    };
  }

  restore<Saved>(
    state: { closedUpTo: number | null; earlyUpTo?: number | undefined; windows: WindowRecord<Saved>[] },
    load: (saved: Saved) => WindowFields<Acc>,
  ): void {
    this.closedUpTo = state.closedUpTo ?? Number.NEGATIVE_INFINITY;
    if (state.earlyUpTo !== undefined) this.limit.earlyUpTo = Math.max(this.limit.earlyUpTo, state.earlyUpTo);
    for (const saved of state.windows) {
      // Onto a new accumulator, so that a restored window has the shape of one opened here.
      const acc = Object.assign(this.createAcc(), load(saved.acc));
      this.insert(saved.key, saved.start, saved.end, acc, saved.due ?? saved.end);
    }
  }
}

/** Past this many open windows under one key, they are found by start in a Map rather than one by one. */
const listedWindows = 8;

/**
 * The windows open under one key. Most keys have one, held as it is; a few (a window and the next, the
 * slides of a sliding window) are an array of exactly their number, and only more than `listedWindows`
 * make a Map by start: a Map weighs about 280 bytes even for two, and a key per credential or root
 * action has two open whenever the watermark trails a window's end.
 */
type OpenWindows<Acc> = Acc | Acc[] | Map<number, Acc>;

function each<Acc>(windows: OpenWindows<Acc>): Iterable<Acc> {
  if (windows instanceof Map) return windows.values();
  return Array.isArray(windows) ? windows : [windows];
}

function startingAt<Acc extends WindowPlace>(windows: OpenWindows<Acc>, start: number): Acc | undefined {
  if (windows instanceof Map) return windows.get(start);
  if (!Array.isArray(windows)) return windows.start === start ? windows : undefined;
  for (const acc of windows) if (acc.start === start) return acc;
  return undefined;
}

function withWindow<Acc extends WindowPlace>(
  windows: OpenWindows<Acc> | undefined,
  acc: Acc,
): OpenWindows<Acc> {
  if (windows === undefined) return acc;
  if (windows instanceof Map) return windows.set(acc.start, acc);
  if (!Array.isArray(windows)) return [windows, acc];
  if (windows.length < listedWindows) return appended(windows, acc);
  return new Map([...windows, acc].map((listed) => [listed.start, listed]));
}

function withoutWindow<Acc extends WindowPlace>(
  windows: OpenWindows<Acc>,
  acc: Acc,
): OpenWindows<Acc> | undefined {
  if (windows instanceof Map) {
    windows.delete(acc.start);
    return windows.size === 0 ? undefined : windows;
  }
  if (!Array.isArray(windows)) return windows === acc ? undefined : windows;
  const rest = windows.filter((listed) => listed !== acc);
  return rest.length === 1 ? rest[0] : rest;
}

function windowRecord<Acc extends WindowPlace, Saved>(
  acc: Acc,
  save: (acc: WindowFields<Acc>) => Saved,
  due: number | undefined,
): WindowRecord<Saved> {
  const { key, start, sizeMs, ...fields } = acc;
  return { key, start, end: start + sizeMs, ...(due === undefined ? {} : { due }), acc: save(fields) };
}

function compareWindows(a: { key: string; start: number; end: number }, b: typeof a): number {
  if (a.end !== b.end) return a.end - b.end;
  if (a.start !== b.start) return a.start - b.start;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
