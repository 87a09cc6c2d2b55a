import { setTimeout as sleep } from 'node:timers/promises';
import { decodeRecord } from './decode.js';
import type { BatchOutcome, RawRecord, Source, SourceContext } from './source.js';

export type IntakeResult = { ok: true; outcome: BatchOutcome } | { ok: false; reason: string };

/** One HTTP request's access to the pipeline, open from its first byte to its response. */
export interface HttpIntake {
  submit(records: RawRecord[]): Promise<IntakeResult>;
  /** Resolves once everything this intake submitted is in the store. */
  durable(): Promise<void>;
  close(): void;
}

/**
 * POST /v1/ingest as a source. Delivery: a request is answered 200 only once the hops and dead letters
 * of its body are durable, so a client that retries on anything else loses nothing (finding ids and
 * hop ids deduplicate the replay). Findings of windows still open live in memory until the watermark
 * (or shutdown) closes them. Stateless.
 */
export class HttpIngestSource implements Source {
  readonly name = 'http';
  private context: SourceContext | null = null;
  private stopping = false;
  private refusing = false;
  private readonly open = new Set<HttpIntake>();

  /** @param drainMs how long `stop` lets requests already streaming finish before refusing their rest */
  constructor(private readonly drainMs = 10_000) {}

  async start(context: SourceContext): Promise<void> {
    this.context = context;
    this.stopping = false;
    this.refusing = false;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const deadline = Date.now() + this.drainMs;
    while (this.open.size > 0 && Date.now() < deadline) await sleep(20);
    this.refusing = true;
  }

  connected(): boolean {
    return this.context !== null && !this.stopping;
  }

  /** A new request's intake, or null while the source is not taking new requests. */
  openIntake(): HttpIntake | null {
    const context = this.context;
    if (context === null || this.stopping) return null;
    const intake: HttpIntake = {
      submit: async (records) => {
        if (this.refusing) return { ok: false, reason: 'hopwatch is shutting down' };
        const receivedAt = Date.now();
        const decoded = records.map((record) => decodeRecord(record, receivedAt, context.logger));
        return { ok: true, outcome: await context.intake.submit(decoded) };
      },
      durable: () => context.intake.durable(),
      close: () => {
        this.open.delete(intake);
      },
    };
    this.open.add(intake);
    return intake;
  }
}
