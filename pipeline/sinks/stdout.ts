import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { z } from 'zod';
import type { Component } from '../component.js';
import type { Sink, SinkBatch, SinkStats } from '../sink.js';

export const stdoutConfigSchema = z
  .object({
    /** One JSON line per finding. */
    findings: z.boolean().default(true),
    /** One JSON line per resolved hop (lineage attached): verbose, for piping into other tools. */
    hops: z.boolean().default(false),
  })
  .strict();

export type StdoutConfig = z.infer<typeof stdoutConfigSchema>;

/** Findings (and optionally hops) as JSON lines on standard output. Best effort: nothing is kept across a restart. */
export class StdoutSink implements Sink {
  readonly name = 'stdout';

  constructor(
    private readonly config: StdoutConfig,
    private readonly out: Writable,
  ) {}

  start(): void {}

  async write({ findings, hops }: SinkBatch): Promise<void> {
    let text = '';
    if (this.config.hops) for (const hop of hops ?? []) text += `${JSON.stringify(hop)}\n`;
    if (this.config.findings) for (const finding of findings ?? []) text += `${JSON.stringify(finding)}\n`;
    if (text.length === 0) return;
    // A slow reader on the other end of a pipe slows the pipeline down instead of filling memory.
    if (!this.out.write(text)) await once(this.out, 'drain');
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {}

  stats(): SinkStats {
    return { pending: this.out.writableLength, available: !this.out.destroyed };
  }
}

export const stdoutSink: Component<'sink', 'stdout', typeof stdoutConfigSchema, StdoutSink> = {
  kind: 'sink',
  name: 'stdout',
  configSchema: stdoutConfigSchema,
  async build(config) {
    return { ok: true, built: new StdoutSink(config, process.stdout) };
  },
};
