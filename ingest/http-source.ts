import { setTimeout as sleep } from 'node:timers/promises';
import { decodeRecord } from './decode.js';
import { JournalWriteError } from './http-journal.js';
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
  /** The journal's last failure, said once until it can be written again. */
  private journalFailure: string | null = null;

  /**
   * @param limits.drainMs how long `stop` lets requests already streaming finish before refusing their rest
   * @param limits.maxConcurrentRequests requests read at once; one more is answered 503 before its body is read
   */
  constructor(private readonly limits: { drainMs: number; maxConcurrentRequests: number }) {}

  async start(context: SourceContext): Promise<void> {
    this.context = context;
    this.stopping = false;
    this.refusing = false;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const deadline = Date.now() + this.limits.drainMs;
    while (this.open.size > 0 && Date.now() < deadline) await sleep(20);
    this.refusing = true;
  }

  /** Also false while the journal cannot be written: nothing could be taken. */
  connected(): boolean {
    const { context } = this;
    if (context === null || this.stopping) return false;
    return this.journalFailure === null || context.intake.accepting();
  }

  /**
   * A new request's intake, or why there is none: shutting down, or as many requests as it reads at
   * once already streaming (overload is answered, not absorbed: each open request holds a batch in
   * memory and its share of the store writer's buffer).
   */
  openIntake(): HttpIntake | { refused: string } {
    const context = this.context;
    if (context === null || this.stopping)
      return { refused: 'hopwatch is not taking records (shutting down)' };
    // What a request would bring in could only wait in memory for the store to come back.
    if (!context.intake.accepting())
      return {
        refused:
          this.journalFailure === null
            ? 'the store is not taking writes; retry later'
            : `${this.journalFailure}; retry later`,
      };
    this.journalWritable(context);
    if (this.open.size >= this.limits.maxConcurrentRequests)
      return { refused: `${this.open.size} ingest requests are being read already; retry shortly` };
    const intake: HttpIntake = {
      submit: async (records) => {
        if (this.refusing) return { ok: false, reason: 'hopwatch is shutting down' };
        const receivedAt = Date.now();
        const { decoding } = context.intake;
        const decoded = records.map((record) => decodeRecord(record, receivedAt, context.logger, decoding));
        try {
          return { ok: true, outcome: await context.intake.submit(decoded) };
        } catch (error) {
          if (!(error instanceof JournalWriteError)) throw error;
          this.journalFailed(context, error);
          return {
            ok: false,
            reason: `${error.message}: this part of the body was not taken; retry the request (what was taken of it counts once)`,
          };
        }
      },
      durable: () => context.intake.durable(),
      close: () => {
        this.open.delete(intake);
      },
    };
    this.open.add(intake);
    return intake;
  }

  private journalFailed(context: SourceContext, error: JournalWriteError): void {
    if (error.message === this.journalFailure) return;
    this.journalFailure = error.message;
    context.logger.error(
      { err: error.cause },
      `${error.message}: HTTP ingest answers 503 until it can be written (free space under dataDir)`,
    );
  }

  /** Intake accepts again: the journal showed it can take an entry as large as the one that failed. */
  private journalWritable(context: SourceContext): void {
    if (this.journalFailure === null) return;
    this.journalFailure = null;
    context.logger.info('the HTTP ingest journal can be written again: taking records');
  }
}
