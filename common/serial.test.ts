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
});
