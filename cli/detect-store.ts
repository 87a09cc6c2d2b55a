import type { EngineSink } from '../detectors/types.js';
import type { InputLine } from '../ingest/lines.js';
import { redactRaw } from '../ingest/redact.js';
import type { DeadLetter } from '../schemas/dead-letter.js';
import type { Finding } from '../schemas/finding.js';
import type { ResolvedHop } from '../schemas/resolved-hop.js';
import type { StoreWriter } from '../store/types.js';

/**
 * `hopwatch detect --store`: keeps what the engine produces (and the rejected lines) and hands it to
 * the store writer between input lines, so the writer's backpressure slows the reading down.
 */
export class StoringSink implements EngineSink {
  private hops: ResolvedHop[] = [];
  private findings: Finding[] = [];
  private deadLetters: DeadLetter[] = [];

  constructor(
    private readonly writer: StoreWriter,
    private readonly also: EngineSink,
  ) {}

  hop(hop: ResolvedHop): void {
    this.hops.push(hop);
    this.also.hop(hop);
  }

  finding(finding: Finding): void {
    this.findings.push(finding);
    this.also.finding(finding);
  }

  reject(line: InputLine, reason: string, receivedAt: number): void {
    this.deadLetters.push({
      receivedAt,
      reason,
      // The store writer bounds its size (and records the original one).
      raw: redactRaw(line.line),
      source: 'file',
      line: line.lineNumber,
    });
  }

  /** Passes the lines through, writing what was produced every `every` lines. */
  async *interleave(lines: AsyncIterable<InputLine>, every = 1_000): AsyncGenerator<InputLine> {
    let count = 0;
    for await (const line of lines) {
      yield line;
      if (++count % every === 0) await this.write();
    }
  }

  /** Writes what is left and waits until all of it is in the store. */
  async finish(): Promise<void> {
    await this.write();
    await this.writer.flush();
  }

  private async write(): Promise<void> {
    if (this.hops.length + this.findings.length + this.deadLetters.length === 0) return;
    const batch = { hops: this.hops, findings: this.findings, deadLetters: this.deadLetters };
    this.hops = [];
    this.findings = [];
    this.deadLetters = [];
    await this.writer.write(batch);
  }
}
