import { storeConfigSchema } from '../../store/config.js';
import type { HopwatchStore } from '../../store/types.js';
import type { Component } from '../component.js';
import type { Sink, SinkBatch, SinkStats } from '../sink.js';

/**
 * ClickHouse (embedded chDB under dataDir, or store.url): hops, findings and dead letters, batched.
 * At least once; findings and hops deduplicate by id, so a replayed batch stores nothing twice.
 */
export class StoreSink implements Sink {
  readonly name = 'store';

  constructor(readonly store: HopwatchStore) {}

  start(): void {}

  write(batch: SinkBatch): Promise<void> {
    return this.store.writer.write(batch);
  }

  flush(): Promise<void> {
    return this.store.writer.flush();
  }

  flushVerdicts(): Promise<void> {
    return this.store.writer.flushVerdicts();
  }

  close(): Promise<void> {
    return this.store.close();
  }

  stats(): SinkStats {
    return { pending: this.store.writer.pending(), available: this.store.writer.available() };
  }
}

export const storeSink: Component<'sink', 'store', typeof storeConfigSchema, StoreSink> = {
  kind: 'sink',
  name: 'store',
  configSchema: storeConfigSchema,
  async build(store, { dataDir, logger }) {
    // The ClickHouse client is loaded only by a pipeline that stores.
    const { openStore } = await import('../../store/index.js');
    return { ok: true, built: new StoreSink(await openStore({ store, dataDir }, logger)) };
  },
};
