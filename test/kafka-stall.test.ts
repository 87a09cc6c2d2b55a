import { describe, expect, it } from 'vitest';
import { StoreUnavailableError, type StoreWriter } from '../store/types.js';
import {
  freshTopic,
  kafkaConfigFor,
  produceFiles,
  scenarioFile,
  startInProcess,
  tempDataDir,
  waitUntil,
} from './helpers/kafka-ingest.js';

/** A store that refuses every write, as a full disk or a lost server would. */
const refusingWriter: StoreWriter = {
  write: async () => {
    throw new StoreUnavailableError('the test store refuses every write');
  },
  flush: async () => {
    throw new StoreUnavailableError('the test store refuses every write');
  },
  flushVerdicts: async () => {
    throw new StoreUnavailableError('the test store refuses every write');
  },
  pending: () => 0,
  available: () => false,
  hopsPastRetention: () => 0,
};

describe('Kafka source stalled by its store', () => {
  it('shows the lag of every partition from assignment on and while stalled, and stops within a bound', async () => {
    const { topic, groupId } = await freshTopic('stall', 3);
    const config = kafkaConfigFor(topic, groupId, tempDataDir('stall'));
    const records = await produceFiles(config, topic, [scenarioFile('stolen-key')]);
    const consumer = await startInProcess(config, refusingWriter);
    let stopped = false;
    try {
      await waitUntil('a lag for every partition', () => consumer.lag.size === 3, 10_000);
      const lagOf = () => [...consumer.lag.values()].reduce((sum, lag) => sum + lag, 0);
      // Nothing reaches the store, so at most one chunk was taken in; the rest is lag.
      await waitUntil('the stall showing in the lag', () => lagOf() > 0 && lagOf() >= records - 500, 10_000);
      expect(consumer.received()).toBeLessThan(records);
      const started = Date.now();
      await consumer.stop().catch(() => undefined);
      stopped = true;
      // The stop deadline (10 s) bounds every wait on the store, then the consumer leaves its group.
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      if (!stopped) await consumer.stop().catch(() => undefined);
    }
  }, 60_000);
});
