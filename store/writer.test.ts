import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import { makeHop } from '../test/helpers/store-fixtures.js';
import { storeConfigSchema } from './config.js';
import { storeTables } from './tables.js';
import { BufferedStoreWriter, type InsertTarget } from './writer.js';

// Small batches and buffer, so that writes wait for room while inserts run.
const settings = storeConfigSchema.parse({ batchMaxRows: 200, batchMaxDelayMs: 20, bufferMaxRows: 1_000 });

describe('store writer under a steady stream', () => {
  it('inserts every hop exactly once while batches keep coming and inserts take their time', async () => {
    const inserted: string[] = [];
    // Each INSERT's rows are read back (JSONCompactEachRow: the id is the first value) and take a
    // few milliseconds, so writes keep arriving while the drain waits for the store and for room.
    const insert: InsertTarget = async (_table, rows) => {
      for (const line of Buffer.concat(rows).toString('utf8').split('\n')) {
        if (line !== '') inserted.push((JSON.parse(line) as string[])[0]!);
      }
      await delay(2);
    };
    const writer = new BufferedStoreWriter(insert, storeTables('hopwatch'), settings, createLogger('silent'));
    const hops = Array.from({ length: 6_000 }, (_, index) => makeHop(index, 0, Date.now()));
    for (let start = 0; start < hops.length; start += 150) {
      await writer.write({ hops: hops.slice(start, start + 150) });
    }
    await writer.flush();

    expect(writer.pending()).toBe(0);
    expect(inserted.length).toBe(hops.length);
    expect(new Set(inserted).size).toBe(hops.length);
    await writer.close();
  });
});
