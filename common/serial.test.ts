import { describe, expect, it } from 'vitest';
import { CoalescedRuns } from './serial.js';

describe('coalesced runs', () => {
  it('runs the task once at a time; callers arriving meanwhile share one run after it, and a failure does not stop it', async () => {
    const started: number[] = [];
    let release: () => void = () => undefined;
    let fail = true;
    const runs = new CoalescedRuns(async () => {
      started.push(started.length);
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      if (fail) {
        fail = false;
        throw new Error('store down');
      }
    });
    const first = runs.run();
    const waiting = [runs.run(), runs.run(), runs.run()];
    expect(started).toEqual([0]);
    release();
    await expect(first).rejects.toThrow('store down');
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1]);
    release();
    await Promise.all(waiting);
    expect(started).toEqual([0, 1]);
  });

  it('never runs the task twice at once, even for a caller that asks again the moment a run ends', async () => {
    let active = 0;
    let mostAtOnce = 0;
    let starts = 0;
    const releases: Array<() => void> = [];
    const runs = new CoalescedRuns(async () => {
      starts += 1;
      active += 1;
      mostAtOnce = Math.max(mostAtOnce, active);
      await new Promise<void>((resolve) => releases.push(resolve));
      active -= 1;
    });
    const first = runs.run();
    const queued = runs.run();
    // As a writer that waited for the first run and writes again as soon as it ends.
    const askedAtEnd = first.then(() => runs.run());
    releases.shift()!();
    await first;
    while (releases.length === 0) await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(active).toBe(1);
    while (releases.length > 0) releases.shift()!();
    await Promise.all([queued, askedAtEnd]);
    expect(mostAtOnce).toBe(1);
    expect(starts).toBe(2);
  });
});
