import { z } from 'zod';
import { entriesCap } from '../common/zod.js';
import { defaultMaxFutureMs } from '../ingest/normalize.js';
import type { DetectorComponent } from './component.js';
import { detectorRegistry } from './index.js';

type Registered = (typeof detectorRegistry)[number];
type SectionOf<C> = C extends DetectorComponent<string, infer Section> ? Section : never;

/** One section per registered detector, under its config key. */
export type DetectorSections = { [C in Registered as C['configKey']]: SectionOf<C> };
type DetectorSectionsInput = { [C in Registered as C['configKey']]?: Partial<SectionOf<C>> };

export type DetectorOverride = { match: string } & {
  [K in keyof DetectorSections]?: Partial<DetectorSections[K]>;
};

const sharedFields = {
  /** Watermark = max event time seen − allowedLatenessMs. */
  allowedLatenessMs: z.number().int().nonnegative().default(10_000),
  /**
   * An event stamped further than this ahead of the clock that receives it is rejected (dead letter):
   * it would move the watermark past the other sources' on-time events and make them late.
   */
  maxFutureMs: z.number().int().nonnegative().default(defaultMaxFutureMs),
  /** Keys tracked per detector (baselines, learned destinations, root actions); least recently used evicted past it. */
  maxTrackedKeys: entriesCap.default(100_000),
  /** Sample hop ids and trace ids kept in a finding's evidence. */
  maxSamples: z.number().int().positive().default(10),
  /**
   * Windows each detector's window set holds open (per root action, per credential); past it the one
   * that ends first is judged early (see KeyedWindows).
   */
  maxOpenWindows: entriesCap.default(500_000),
};

/** The settings every detector shares, typed from their fields (defaults make them optional as input). */
type SharedSchema = z.ZodObject<typeof sharedFields>;

export type DetectorsConfig = z.infer<SharedSchema> &
  DetectorSections & {
    overrides: DetectorOverride[];
  };
export type DetectorsConfigInput =
  | (z.input<SharedSchema> &
      DetectorSectionsInput & {
        overrides?: Array<{ match: string } & DetectorSectionsInput>;
      })
  | undefined;

function keyedByConfigKey(schemaOf: (component: Registered) => z.ZodType): z.ZodRawShape {
  return Object.fromEntries(detectorRegistry.map((component) => [component.configKey, schemaOf(component)]));
}

/** Any detector field, per credential glob (`*` any run of characters, `?` one); later entries win. */
const detectorOverrideSchema = z
  .object({
    match: z.string().min(1),
    ...keyedByConfigKey((component) => component.overrideSchema.optional()),
  })
  .strict();

/** The `detectors:` section: the shared settings, one section per registered detector, and the overrides. */
export const detectorsConfigSchema = z
  .object({
    ...sharedFields,
    ...keyedByConfigKey((component) => component.configSchema),
    overrides: z.array(detectorOverrideSchema).default([]),
  })
  .strict() as unknown as z.ZodType<DetectorsConfig, DetectorsConfigInput>;
