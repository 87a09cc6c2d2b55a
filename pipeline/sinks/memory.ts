import type { Finding } from '../../schemas/finding.js';
import type { ResolvedHop } from '../../schemas/resolved-hop.js';
import type { Sink, SinkBatch, SinkStats } from '../sink.js';

/** Keeps every hop and finding in memory, in the order they came: for `evaluate` and tests, never for `run`. */
export class MemorySink implements Sink {
  readonly name = 'memory';
  readonly hops: ResolvedHop[] = [];
  readonly findings: Finding[] = [];

  constructor(private readonly keepHops = false) {}

  start(): void {}

  async write({ hops, findings }: SinkBatch): Promise<void> {
    if (this.keepHops && hops !== undefined) this.hops.push(...hops);
    if (findings !== undefined) this.findings.push(...findings);
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {}

  stats(): SinkStats {
    return { pending: 0, available: true };
  }
}
