import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { offerOpenLoop, startLoadTarget, sustainedBatchRate } from '../bench/http-load.js';
import { assertBuilt } from './helpers/api-process.js';
import { waitUntil } from './helpers/kafka-ingest.js';

const dataDir = mkdtempSync(join(tmpdir(), 'hopwatch-overload-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const BATCH = 500;
/** The documented bound for the default caps at this load (README, HTTP ingest under load). */
const RSS_BOUND = 3 * 1024 ** 3;
/** Open-loop seconds at four times the sustained rate; the bench runs the same for 60 s. */
const OVERLOAD_SECONDS = Number(process.env.HOPWATCH_OVERLOAD_SECONDS ?? 20);

describe('HTTP ingest offered four times what it sustains', () => {
  it('answers only 200 or 503, never resets, stays alive and bounded, keeps every acknowledged hop, then serves', async () => {
    assertBuilt();
    const { target, stop } = await startLoadTarget(dataDir, BATCH);
    const { baseUrl } = target;
    try {
      const sustained = await sustainedBatchRate(target, 5);
      expect(sustained).toBeGreaterThan(0);
      const report = await offerOpenLoop(target, 4 * sustained, OVERLOAD_SECONDS);

      expect(report.failures).toEqual({});
      expect(Object.keys(report.statuses).sort()).toEqual(['200', '503']);
      // Probed every 100 ms throughout (from a thread of its own), and none failed.
      expect(report.healthzMs.length).toBeGreaterThan(OVERLOAD_SECONDS * 5);
      expect(report.healthzFailures).toBe(0);
      expect(report.rssMaxBytes).toBeGreaterThan(0);
      expect(report.rssMaxBytes).toBeLessThan(RSS_BOUND);

      // Every batch answered 200, in the sustained phase and under overload, is in the store.
      const stats = async () =>
        ((await (await fetch(`${baseUrl}/v1/stats`)).json()) as { store: { hops: number } }).store.hops;
      const acknowledged = async () => {
        const response = await fetch(`${baseUrl}/metrics`);
        const line = (await response.text())
          .split('\n')
          .find((row) => row.startsWith('hopwatch_records_received_total{source="http"}'));
        return Number(line?.split(' ')[1]);
      };
      const received = await acknowledged();
      expect(received).toBeGreaterThanOrEqual(report.statuses['200']! * BATCH);
      await waitUntil('the backlog stored', async () => (await stats()) === received, 60_000);

      const after = await offerOpenLoop(target, 2, 2);
      expect(Object.keys(after.statuses)).toEqual(['200']);
    } finally {
      await stop();
    }
  }, 180_000);
});
