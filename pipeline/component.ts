import type { z } from 'zod';
import type { Logger } from '../common/logger.js';

/** What every source and sink is built with besides its own config section. */
export type BuildContext = {
  /** Where local state lives (the embedded store, the alert outbox, checkpoints). */
  dataDir: string;
  logger: Logger;
};

export type Built<Thing> = { ok: true; built: Thing } | { ok: false; reason: string };

/**
 * A source or sink as the registry holds it, in the manner of Vector's and the OpenTelemetry
 * Collector's components: its name (which is also its config section), the zod schema of that
 * section with its defaults, and how to build it from the parsed section.
 */
export interface Component<Kind extends string, Name extends string, Schema extends z.ZodType, Thing> {
  readonly kind: Kind;
  readonly name: Name;
  readonly configSchema: Schema;
  /** A configuration that cannot work is a value with a reason; an unreachable dependency throws. */
  build(config: z.output<Schema>, context: BuildContext): Promise<Built<Thing>>;
}
