import type { DeadLetter } from '../schemas/dead-letter.js';
import type { Finding } from '../schemas/finding.js';
import type { Incident } from '../schemas/incident.js';
import type { ResolvedHop, UpstreamTag } from '../schemas/resolved-hop.js';

/** What the pipeline hands its sinks; each sink takes the parts it stores or sends and ignores the rest. */
export type SinkBatch = {
  hops?: ResolvedHop[];
  findings?: Finding[];
  incidents?: Incident[];
  deadLetters?: DeadLetter[];
  /** An ingest stage's watermark marks, for the hops topic (see watermarkMarkSchema). */
  watermarks?: UpstreamTag[];
};

export type SinkStats = {
  /** Rows or findings taken but not yet durable (or delivered). */
  pending: number;
  /** Whether the last attempt to store or send reached its destination. */
  available: boolean;
};

/**
 * Where results go: the store, webhooks, stdout, a topic. Each sink documents its delivery guarantee.
 * `write` takes a batch into the sink's bounded buffer and stays pending while the buffer is full
 * (backpressure); it rejects when the sink cannot take it now, having taken nothing of it.
 */
export interface Sink {
  readonly name: string;
  /** Starts background work (delivery loops); called once before the first write. */
  start(): void;
  write(batch: SinkBatch): Promise<void>;
  /** Resolves once everything written before the call is durable. */
  flush(): Promise<void>;
  /** The same for findings and incidents only, when the sink can tell them apart (the store); else `flush`. */
  flushVerdicts?(): Promise<void>;
  /** Flushes and releases what the sink holds. */
  close(): Promise<void>;
  stats(): SinkStats;
}

/**
 * Every sink of a pipeline, written in order (the store before the webhooks, so that an alert always
 * points at a stored finding). A batch a sink refused waits here with the sinks it has not reached,
 * and goes first on the next write: nothing is lost and nothing is written twice to a sink.
 */
export class SinkSet implements Sink {
  readonly name = 'sinks';
  private readonly waiting: Array<{ batch: SinkBatch; next: number }> = [];
  /** Writes drain one after the other: two callers must not hand the same waiting batch to a sink twice. */
  private draining: Promise<void> = Promise.resolve();

  constructor(
    readonly sinks: readonly Sink[],
    /** Told how long each sink took to take a batch, waiting for room in its buffer included. */
    private readonly onWrite: (sink: string, seconds: number) => void = () => {},
  ) {}

  start(): void {
    for (const sink of this.sinks) sink.start();
  }

  write(batch: SinkBatch): Promise<void> {
    if (!isEmpty(batch)) this.waiting.push({ batch, next: 0 });
    const drained = this.draining.catch(() => undefined).then(() => this.drain());
    this.draining = drained;
    return drained;
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const entry = this.waiting[0]!;
      for (; entry.next < this.sinks.length; entry.next++) {
        const sink = this.sinks[entry.next]!;
        const started = performance.now();
        await sink.write(entry.batch);
        this.onWrite(sink.name, (performance.now() - started) / 1000);
      }
      this.waiting.shift();
    }
  }

  /** Writes what waits, then flushes every sink. */
  async flush(): Promise<void> {
    await this.write({});
    for (const sink of this.sinks) await sink.flush();
  }

  /** Writes what waits, then makes every sink's findings and incidents durable (hop batches go on filling). */
  async flushVerdicts(): Promise<void> {
    await this.write({});
    for (const sink of this.sinks) await (sink.flushVerdicts?.() ?? sink.flush());
  }

  async close(): Promise<void> {
    let failure: unknown;
    for (const sink of this.sinks) {
      await sink.close().catch((error: unknown) => {
        failure ??= error;
      });
    }
    if (failure !== undefined) throw failure;
  }

  stats(): SinkStats {
    let pending = 0;
    let available = true;
    for (const sink of this.sinks) {
      const stats = sink.stats();
      pending += stats.pending;
      available &&= stats.available;
    }
    for (const { batch } of this.waiting) pending += batchSize(batch);
    return { pending, available };
  }
}

/**
 * A sink of the pipeline's set as a lane whose other outputs take another way sees it (see LaneRoute):
 * only the parts named. The set it belongs to starts and closes it.
 */
export class PartsOnly implements Sink {
  readonly name: string;

  constructor(
    private readonly sink: Sink,
    private readonly parts: ReadonlyArray<keyof SinkBatch>,
  ) {
    this.name = sink.name;
  }

  start(): void {}

  async write(batch: SinkBatch): Promise<void> {
    const kept: SinkBatch = {};
    for (const part of this.parts)
      if (batch[part] !== undefined) Object.assign(kept, { [part]: batch[part] });
    if (!isEmpty(kept)) await this.sink.write(kept);
  }

  flush(): Promise<void> {
    return this.sink.flush();
  }

  async close(): Promise<void> {}

  stats(): SinkStats {
    return this.sink.stats();
  }
}

function batchSize(batch: SinkBatch): number {
  return (
    (batch.hops?.length ?? 0) +
    (batch.findings?.length ?? 0) +
    (batch.incidents?.length ?? 0) +
    (batch.deadLetters?.length ?? 0) +
    (batch.watermarks?.length ?? 0)
  );
}

function isEmpty(batch: SinkBatch): boolean {
  return batchSize(batch) === 0;
}
