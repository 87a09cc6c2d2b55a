import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { wellFormedResolvedHop } from '../ingest/formats/canonical-fast.js';
import { normalizeRecord } from '../ingest/normalize.js';
import { createDetectionEngine } from '../pipeline/engine.js';
import type { HopEvent } from '../schemas/hop-event.js';
import { resolvedHopSchema } from '../schemas/resolved-hop.js';
import { CollectingSink, engineConfig, fileEvents, fixedClock, runEngine } from './kits/detectors/run.js';

const scenarios = readdirSync('fixtures/scenarios').filter((file) => file.endsWith('.ndjson'));

/** The lineage stage, its hops through the hops topic's encoding, then the detectors stage. */
function split(input: HopEvent[], copies = 1) {
  const lineage = new CollectingSink();
  const ingest = createDetectionEngine({ ...engineConfig(), stage: 'lineage' }, lineage, { now: fixedClock });
  for (const event of input) ingest.observe(event);
  ingest.flush();
  const detected = new CollectingSink();
  const detect = createDetectionEngine({ ...engineConfig(), stage: 'detectors' }, detected, {
    now: fixedClock,
  });
  for (const hop of lineage.hops) {
    const message = JSON.stringify(hop);
    for (let copy = 0; copy < copies; copy++) {
      const decoded = normalizeRecord(message, { format: 'resolved-hop' });
      if (!decoded.ok) throw new Error(decoded.reason);
      for (const event of decoded.events) detect.observe(event);
    }
  }
  detect.flush();
  return { lineage, detected, stats: detect.stats() };
}

describe('the engine split in two stages', () => {
  it.each(scenarios)('raises the findings of the whole engine on %s', (file) => {
    const input = fileEvents(`fixtures/scenarios/${file}`);
    const whole = runEngine(input);
    const { lineage, detected, stats } = split(input);
    expect(lineage.findings).toEqual([]);
    expect(detected.hops.map(({ upstream: _, ...hop }) => hop)).toEqual(whole.hops);
    expect(detected.findings).toEqual(whole.findings);
    expect(stats.lateEvents).toBe(whole.engine.stats().lateEvents);
  });

  it('takes each hop once when the ingest stage published it twice (a replay after a crash)', () => {
    const input = fileEvents('fixtures/scenarios/runaway-retry.ndjson');
    const whole = runEngine(input);
    const { detected, lineage, stats } = split(input, 2);
    expect(detected.findings).toEqual(whole.findings);
    expect(stats.duplicateHops).toBe(lineage.hops.length);
  });

  it('reads every hop the ingest stage publishes as the schema does (the fast path and zod agree)', () => {
    let hops = 0;
    for (const file of scenarios) {
      const lineage = new CollectingSink();
      const ingest = createDetectionEngine({ ...engineConfig(), stage: 'lineage' }, lineage, {
        now: fixedClock,
      });
      for (const event of fileEvents(`fixtures/scenarios/${file}`)) ingest.observe(event);
      ingest.flush();
      for (const hop of lineage.hops) {
        const value = JSON.parse(JSON.stringify(hop));
        expect(wellFormedResolvedHop(value)).toEqual(resolvedHopSchema.parse(value));
        hops++;
      }
    }
    expect(hops).toBeGreaterThan(1_000);
  });

  it('refuses a record that is not a resolved hop, with the reason', () => {
    const decoded = normalizeRecord('{"id":"h1","ts":1}', { format: 'resolved-hop' });
    expect(decoded.ok).toBe(false);
    expect(decoded.ok ? '' : decoded.reason).toMatch(/^resolved hop: /);
  });
});
