import { describe, expect, it } from 'vitest';
import {
  KeyedWindows,
  slidingStarts,
  tumblingStart,
  type WindowFields,
  WindowLimit,
  type WindowPlace,
} from './window.js';

type Counter = WindowPlace & { late: number; count: number };
const counter = (): Counter => ({ key: '', start: 0, sizeMs: 0, late: 0, count: 0 });
const roomy = () => new WindowLimit(1_000);
const placed = (closed: readonly { key: string; start: number; acc: Counter }[]) =>
  closed.map((window) => [window.key, window.start, window.acc.count]);

describe('event-time windows', () => {
  it('aligns tumbling windows on their anchor', () => {
    expect(tumblingStart(125_000, 60_000)).toBe(120_000);
    expect(tumblingStart(125_000, 60_000, 7_000)).toBe(67_000);
    expect(tumblingStart(6_999, 60_000, 7_000)).toBe(-53_000);
  });

  it('lists every sliding window containing an instant', () => {
    expect(slidingStarts(65_000, 60_000, 20_000)).toEqual([20_000, 40_000, 60_000]);
    expect(slidingStarts(60_000, 60_000, 20_000)).toEqual([20_000, 40_000, 60_000]);
  });

  it('closes a window only once the watermark reaches its end, in (end, start, key) order', () => {
    const windows = new KeyedWindows<Counter>(counter, roomy());
    windows.tumbling('b', 10_000, 60_000).count++;
    windows.tumbling('a', 30_000, 60_000).count++;
    windows.tumbling('a', 70_000, 60_000).count++;
    expect(windows.close(59_999)).toEqual([]);
    const closed = windows.close(60_000);
    expect(placed(closed)).toEqual([
      ['a', 0, 1],
      ['b', 0, 1],
    ]);
    expect(windows.size).toBe(1);
  });

  it('reopens a late event’s own window, held open one window length, instead of dropping it or moving it', () => {
    const windows = new KeyedWindows<Counter>(counter, roomy());
    windows.tumbling('k', 10_000, 60_000).count++;
    windows.tumbling('k', 70_000, 60_000).count++;
    windows.close(60_000);
    windows.tumbling('k', 20_000, 60_000).count++;
    // The other late events of its minute still come in (a source far behind): judged once, whole.
    expect(windows.close(100_000)).toEqual([]);
    windows.tumbling('k', 50_000, 60_000).count++;
    // Held through a restart too.
    const saved = JSON.parse(JSON.stringify(windows.snapshot((acc) => acc)));
    expect(saved.windows).toContainEqual({
      key: 'k',
      start: 0,
      end: 60_000,
      due: 120_000,
      acc: { late: 2, count: 2 },
    });
    const restored = new KeyedWindows<Counter>(counter, roomy());
    restored.restore(saved, (acc: WindowFields<Counter>) => acc);
    for (const set of [windows, restored]) {
      expect(set.close(119_999)).toEqual([]);
      expect(set.close(120_000)).toEqual([
        { key: 'k', start: 0, end: 60_000, acc: { key: 'k', start: 0, sizeMs: 60_000, count: 2, late: 2 } },
        {
          key: 'k',
          start: 60_000,
          end: 120_000,
          acc: { key: 'k', start: 60_000, sizeMs: 60_000, count: 1, late: 0 },
        },
      ]);
    }
  });

  it('gives the same closed windows whatever the arrival order', () => {
    const instants = [5_000, 61_000, 59_000, 122_000, 1_000, 64_000];
    const run = (order: number[]) => {
      const windows = new KeyedWindows<Counter>(counter, roomy());
      for (const ts of order) for (const acc of windows.sliding('k', ts, 60_000, 30_000)) acc.count++;
      return windows.close(Number.POSITIVE_INFINITY).map((window) => [window.start, window.acc.count]);
    };
    expect(run([...instants].reverse())).toEqual(run(instants));
  });

  it('keeps many windows of one key apart, one by one and past a handful', () => {
    const windows = new KeyedWindows<Counter>(counter, roomy());
    // Twelve minutes of one key, twice, out of order: one window, then a few, then more than a few.
    const minutes = [3, 0, 11, 5, 1, 9, 2, 7, 10, 4, 8, 6];
    for (const minute of [...minutes, ...minutes.reverse()])
      windows.tumbling('k', minute * 60_000 + 1, 60_000).count++;
    windows.tumbling('other', 1, 60_000).count++;
    expect(windows.size).toBe(13);
    expect(windows.peek('k', 7 * 60_000 + 5)?.acc.count).toBe(2);
    expect(placed(windows.close(2 * 60_000))).toEqual([
      ['k', 0, 2],
      ['other', 0, 1],
      ['k', 60_000, 2],
    ]);
    // Down to a few again, and to one: every window still found where it is.
    expect(windows.tumbling('k', 11 * 60_000, 60_000).count++).toBe(2);
    expect(placed(windows.close(11 * 60_000)).map(([, start]) => start)).toEqual(
      [2, 3, 4, 5, 6, 7, 8, 9, 10].map((minute) => minute * 60_000),
    );
    expect(windows.size).toBe(1);
    expect(placed(windows.close(12 * 60_000))).toEqual([['k', 11 * 60_000, 3]]);
    expect(windows.peek('k', 11 * 60_000)).toBeUndefined();
  });

  it('survives a JSON round trip of its open windows', () => {
    const windows = new KeyedWindows<Counter>(counter, roomy());
    windows.tumbling('k', 10_000, 60_000).count += 3;
    windows.close(5_000);
    const saved = JSON.parse(JSON.stringify(windows.snapshot((acc) => acc)));
    // The window's place is saved once, beside its accumulator, not in it.
    expect(saved.windows).toEqual([{ key: 'k', start: 0, end: 60_000, acc: { late: 0, count: 3 } }]);
    const restored = new KeyedWindows<Counter>(counter, roomy());
    restored.restore(saved, (acc: WindowFields<Counter>) => acc);
    expect(restored.watermark).toBe(5_000);
    expect(restored.close(60_000)).toEqual([
      { key: 'k', start: 0, end: 60_000, acc: { key: 'k', start: 0, sizeMs: 60_000, late: 0, count: 3 } },
    ]);
  });

  it('holds at most its limit: the window that ends first closes early, judged at the next close', () => {
    const limit = new WindowLimit(2);
    const windows = new KeyedWindows<Counter>(counter, limit);
    windows.tumbling('a', 10_000, 60_000).count++;
    windows.tumbling('b', 70_000, 60_000).count++;
    windows.tumbling('c', 130_000, 60_000).count++;
    expect(limit.closedEarly).toBe(1);
    // Saved while closed early and not judged: restored under the same limit, it closes early again.
    const saved = JSON.parse(JSON.stringify(windows.snapshot((acc) => acc)));
    expect(saved.windows).toHaveLength(3);
    const restored = new KeyedWindows<Counter>(counter, new WindowLimit(2));
    restored.restore(saved, (acc: WindowFields<Counter>) => acc);
    expect(placed(restored.close(0))).toEqual([['a', 0, 1]]);

    const [early] = windows.close(0);
    expect(early).toMatchObject({ key: 'a', start: 0, closedEarly: true, acc: { count: 1 } });
    expect(windows.size).toBe(2);
    // A later event of it reopens it, not late (the watermark has not passed it), and past the limit
    // it is again the first to end.
    const reopened = windows.tumbling('a', 20_000, 60_000);
    reopened.count++;
    expect(reopened.late).toBe(0);
    expect(limit.closedEarly).toBe(2);
    expect(placed(windows.close(0))).toEqual([['a', 0, 1]]);
    const due = windows.close(Number.POSITIVE_INFINITY);
    expect(placed(due)).toEqual([
      ['b', 60_000, 1],
      ['c', 120_000, 1],
    ]);
    expect(due.map((window) => window.closedEarly)).toEqual([undefined, undefined]);
  });

  it('marks partial what closed early and what ends no later, in any window set of the detector', () => {
    // One limit per detector, shared by its window sets.
    const limit = new WindowLimit(1);
    const first = new KeyedWindows<Counter>(counter, limit);
    const second = new KeyedWindows<Counter>(counter, limit);
    first.tumbling('a', 10_000, 60_000).count++;
    second.tumbling('x', 20_000, 60_000).count++;
    first.tumbling('b', 70_000, 60_000).count++;
    expect(limit.earlyUpTo).toBe(60_000);
    const timing = (closed: ReturnType<typeof first.close>) =>
      closed.map(({ key, closedEarly, partial }) => [key, closedEarly ?? false, partial ?? false]);
    expect(timing(first.close(0))).toEqual([['a', true, true]]);
    // `x` may hold the rest of a window closed early (its detector cannot tell): judged, not learned.
    const saved = JSON.parse(JSON.stringify(second.snapshot((acc) => acc)));
    expect(saved.earlyUpTo).toBe(60_000);
    expect(timing(second.close(60_000))).toEqual([['x', false, true]]);
    // `b` ends after every window closed early: whole.
    expect(timing(first.close(Number.POSITIVE_INFINITY))).toEqual([['b', false, false]]);
    // A restore carries it, and says the same of the same window.
    const restored = new KeyedWindows<Counter>(counter, new WindowLimit(1));
    restored.restore(saved, (acc: WindowFields<Counter>) => acc);
    expect(timing(restored.close(60_000))).toEqual([['x', false, true]]);
  });
});
