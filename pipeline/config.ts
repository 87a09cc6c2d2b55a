import { z } from 'zod';
import { apiConfigSchema } from '../api/config.js';
import { type LogFormat, logFormats } from '../common/logger.js';
import { detectorsConfigSchema } from '../detectors/config.js';
import { detectorNames } from '../detectors/index.js';
import { incidentsConfigSchema } from '../incidents/config.js';
import { lineageConfigSchema } from '../lineage/config.js';
import type { Component } from './component.js';
import { sinkRegistry, sourceRegistry } from './registry.js';

type Registered = (typeof sourceRegistry)[number] | (typeof sinkRegistry)[number];
type SchemaOf<C> = C extends Component<string, string, infer Schema, unknown> ? Schema : never;
type ComponentSections = { [C in Registered as C['name']]: z.output<SchemaOf<C>> };
type ComponentSectionsInput = { [C in Registered as C['name']]?: z.input<SchemaOf<C>> };

const sourceNames = sourceRegistry.map((component) => component.name) as [string, ...string[]];
const sinkNames = sinkRegistry.map((component) => component.name) as [string, ...string[]];

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** `all`: one process judges its input whole. The others: stages of a pipeline split over Kafka (README, Scaling out). */
export const roleNames = ['all', 'ingest', 'detect', 'sink'] as const;
export type Role = (typeof roleNames)[number];

// zod 4: `.prefault({})` (not `.default({})`) so that the inner defaults of each section apply.
const componentSections = Object.fromEntries(
  [...sourceRegistry, ...sinkRegistry].map(({ name, configSchema }) => [
    name,
    (configSchema as z.ZodType).prefault({}),
  ]),
);

const shape = {
  dataDir: z.string().min(1).default('./data'),
  logLevel: z.enum(logLevels).default('info'),
  logFormat: z.enum(logFormats).default('auto'),
  roles: z.array(z.enum(roleNames)).min(1).default(['all']),
  /** Which sources run; default: http, and kafka when kafka.brokers is set. */
  sources: z.array(z.enum(sourceNames)).optional(),
  /** Which sinks run, in order. */
  sinks: z.array(z.enum(sinkNames)).default(['store', 'alerts']),
  lineage: lineageConfigSchema.prefault({}),
  detectors: detectorsConfigSchema.prefault({}),
  incidents: incidentsConfigSchema.prefault({}),
  api: apiConfigSchema.prefault({}),
  ...componentSections,
};

type Shared = {
  dataDir: string;
  logLevel: (typeof logLevels)[number];
  logFormat: LogFormat;
  roles: Role[];
  sources: string[];
  sinks: string[];
  lineage: z.output<typeof lineageConfigSchema>;
  detectors: z.output<typeof detectorsConfigSchema>;
  incidents: z.output<typeof incidentsConfigSchema>;
  api: z.output<typeof apiConfigSchema>;
};

/** The whole configuration: the shared settings, and one section per room and per registered component. */
export type HopwatchConfig = Shared & ComponentSections;
export type HopwatchConfigInput = {
  dataDir?: string;
  logLevel?: (typeof logLevels)[number];
  logFormat?: LogFormat;
  roles?: Role[];
  sources?: string[];
  sinks?: string[];
  lineage?: z.input<typeof lineageConfigSchema>;
  detectors?: z.input<typeof detectorsConfigSchema>;
  incidents?: z.input<typeof incidentsConfigSchema>;
  api?: z.input<typeof apiConfigSchema>;
} & ComponentSectionsInput;

export const configSchema = z
  .object(shape)
  .strict()
  .superRefine((config, context) => {
    const { alerts, incidents, roles, kafka } = config as unknown as HopwatchConfig;
    if (roles.includes('all') && roles.length > 1)
      context.addIssue({ code: 'custom', path: ['roles'], message: '"all" runs every stage; list it alone' });
    if (!roles.includes('all') && kafka.brokers.length === 0)
      context.addIssue({
        code: 'custom',
        path: ['roles'],
        message: 'the stages of a split pipeline talk over Kafka: set kafka.brokers (or KAFKA_BROKERS)',
      });
    incidents.silences.forEach((silence, index) => {
      if (silence.detector === undefined || detectorNames.includes(silence.detector)) return;
      context.addIssue({
        code: 'custom',
        path: ['incidents', 'silences', index, 'detector'],
        message: `unknown detector "${silence.detector}" (one of: ${detectorNames.join(', ')})`,
      });
    });
    alerts.webhooks.forEach((webhook, index) => {
      for (const name of webhook.detectors ?? []) {
        if (detectorNames.includes(name)) continue;
        context.addIssue({
          code: 'custom',
          path: ['alerts', 'webhooks', index, 'detectors'],
          message: `unknown detector "${name}" (one of: ${detectorNames.join(', ')})`,
        });
      }
    });
  })
  .transform((config) => {
    const { kafka } = config as unknown as HopwatchConfig;
    const sources = config.sources ?? (kafka.brokers.length > 0 ? ['http', 'kafka'] : ['http']);
    return { ...config, sources } as HopwatchConfig;
  }) as unknown as z.ZodType<HopwatchConfig, HopwatchConfigInput>;

/**
 * What `hopwatch run` (and `hopwatch check`) cannot serve with, beyond the schema, which `detect` and
 * the other commands share: the API reads findings from the store, and OTLP/gRPC feeds HTTP intake.
 */
export function servingProblem(config: HopwatchConfig): string | undefined {
  const sinkRole = config.roles.includes('all') || config.roles.includes('sink');
  if (sinkRole && !config.sinks.includes('store'))
    return 'config field sinks: must include "store" (the API reads findings from it)';
  if (config.api.otlpGrpcPort !== undefined && !config.sources.includes('http'))
    return 'config field api.otlpGrpcPort: needs "http" in sources (its intake)';
  return undefined;
}
