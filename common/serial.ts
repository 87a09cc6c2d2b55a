/** Runs tasks one after the other, in the order they were queued, whether earlier ones succeeded or failed. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

/**
 * Runs one task at most once at a time. A call while it runs shares the run queued after it, which
 * sees everything the callers added meanwhile, however many callers arrive; a failed run does not
 * stop the next.
 */
export class CoalescedRuns {
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;

  constructor(private readonly task: () => Promise<void>) {}

  run(): Promise<void> {
    // A run already queued goes first: between the end of one run and the start of the queued one,
    // `running` is null, and a caller starting a run there would run beside it.
    if (this.queued !== null) return this.queued;
    if (this.running === null) return this.start();
    this.queued = this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.start();
      });
    return this.queued;
  }

  private start(): Promise<void> {
    const run: Promise<void> = this.task().finally(() => {
      if (this.running === run) this.running = null;
    });
    this.running = run;
    return run;
  }
}
