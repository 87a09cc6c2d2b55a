import { totalmem } from 'node:os';
import { resolve } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { checkExposure } from '../api/auth.js';
import { createHopwatchMetrics } from '../api/metrics.js';
import type { OtlpGrpcServer } from '../api/otlp-grpc.js';
import { buildApi } from '../api/server.js';
import { describeError } from '../common/errors.js';
import { heapLimitWarning, memoryLimitOf } from '../common/heap-size.js';
import { createLogger, type Logger } from '../common/logger.js';
import { HttpIngestSource } from '../ingest/http-source.js';
import { kafkaConnection } from '../ingest/kafka-connection.js';
import type { Source } from '../ingest/source.js';
import { assemble, type Pipeline } from '../pipeline/assemble.js';
import { type HopwatchConfig, servingProblem } from '../pipeline/config.js';
import { explainRecord } from '../pipeline/explain.js';
import { loadConfig } from '../pipeline/load-config.js';
import type { HopwatchStore } from '../store/types.js';

/** Everything `hopwatch run` starts, wired together; tests assemble the same thing. */
export type Hopwatch = {
  app: FastifyInstance;
  pipeline: Pipeline;
  /** Absent on a split pipeline's instance without the sink role. */
  store: HopwatchStore | undefined;
  sources: Source[];
  /** Starts the sinks, the sources and the idle watermark, then listens on api.host:api.port; returns the URL. */
  start(): Promise<string>;
  /** Stops intake, closes the open windows, makes everything durable, closes the sinks and the server. */
  shutdown(): Promise<void>;
  /** The OTLP/gRPC receiver's port once started, if `api.otlpGrpcPort` asks for one. */
  otlpGrpcPort(): number | undefined;
};

export type Assembled = { ok: true; hopwatch: Hopwatch } | { ok: false; reason: string };

/**
 * The pipeline from config (sources, lanes, sinks), with the query API around it. A configuration
 * that cannot work (a webhook secret that is missing, no store sink) is a value; an unreachable store
 * or a broken data directory throws.
 */
export async function assembleHopwatch(config: HopwatchConfig, logger: Logger): Promise<Assembled> {
  const problem = servingProblem(config);
  if (problem !== undefined) return { ok: false, reason: problem };
  if (config.kafka.brokers.length > 0) {
    const kafka = kafkaConnection(config.kafka);
    if (!kafka.ok) return kafka;
    const mechanism = config.kafka.sasl?.mechanism;
    if ((mechanism === 'plain' || mechanism === 'oauthbearer') && config.kafka.tls === false)
      logger.warn(
        `kafka.sasl: ${mechanism.toUpperCase()} without kafka.tls sends the credential to the brokers in the clear`,
      );
  }
  const metrics = createHopwatchMetrics();
  const assembled = await assemble(config, { logger, onSinkWrite: metrics.observeSinkWrite });
  if (!assembled.ok) return assembled;
  const { pipeline } = assembled;
  const store = pipeline.store;
  const alerts = pipeline.alerts;
  const sources = pipeline.sources;
  metrics.watch({ pipeline: () => pipeline.stats(), alerts: alerts && (() => alerts.stats()) });
  const httpSource = sources.find((source) => source instanceof HttpIngestSource);
  const app = await buildApi({
    config: config.api,
    store,
    httpSource,
    sources,
    pipelineStats: () => pipeline.stats(),
    alerts,
    silences: pipeline.silences,
    explain: (records, index, format) => {
      const { lineage, detectors, incidents } = config;
      return explainRecord(
        records,
        index,
        { lineage, detectors, incidents },
        { format, order: 'event time' },
      );
    },
    rateLimit: config.detectors.rate,
    metrics,
    logger,
  });
  const grpcPort = config.api.otlpGrpcPort;
  let grpc: OtlpGrpcServer | undefined;
  const start = async (): Promise<string> => {
    await pipeline.start(metrics);
    const url = await app.listen({ port: config.api.port, host: config.api.host });
    if (grpcPort !== undefined && httpSource !== undefined) {
      const { host, tokens, ingestMaxBytes } = config.api;
      const options = { host, port: grpcPort, source: httpSource, maxBytes: ingestMaxBytes, tokens, logger };
      // Loaded only when asked for: grpc-js adds 60-70 ms to every start-up.
      const { startOtlpGrpc } = await import('../api/otlp-grpc.js');
      grpc = await startOtlpGrpc(options);
    }
    return url;
  };
  // Intake stops and is made durable first; the API answers until then, and the sinks close last.
  const shutdown = async (): Promise<void> => {
    try {
      await pipeline.drain();
      await grpc?.close();
      await app.close();
    } finally {
      await pipeline.close();
    }
  };
  const otlpGrpcPort = () => grpc?.port;
  return { ok: true, hopwatch: { app, pipeline, store, sources, start, shutdown, otlpGrpcPort } };
}

/** `hopwatch run`: returns the exit code once the process has been asked to stop and has shut down. */
export async function runHopwatch(configFile: string | undefined, env: NodeJS.ProcessEnv): Promise<number> {
  const loaded = loadConfig(configFile, env);
  if (!loaded.ok) return usageError(loaded.reason);
  const config = loaded.config;
  const exposure = checkExposure(config.api);
  if (!exposure.ok) return usageError(exposure.reason);
  const logger = createLogger(config.logLevel, config.logFormat);
  const started = await startHopwatch(config, logger);
  if (typeof started === 'number') return started;
  logStarted(logger, config, started);
  return stopOnSignal(started.hopwatch, logger);
}

async function startHopwatch(
  config: HopwatchConfig,
  logger: Logger,
): Promise<{ hopwatch: Hopwatch; url: string } | number> {
  try {
    const assembled = await assembleHopwatch(config, logger);
    if (!assembled.ok) return usageError(assembled.reason);
    return { hopwatch: assembled.hopwatch, url: await assembled.hopwatch.start() };
  } catch (error) {
    // One line for the operator (a port in use, a data directory another process holds); the stack at debug.
    logger.debug({ err: error }, 'hopwatch could not start');
    logger.flush();
    process.stderr.write(`hopwatch run: could not start: ${describeError(error)}\n`);
    return 1;
  }
}

function logStarted(
  logger: Logger,
  config: HopwatchConfig,
  { hopwatch, url }: { hopwatch: Hopwatch; url: string },
) {
  const dataDir = resolve(config.dataDir);
  const open = config.api.tokens.length === 0;
  const heapLimit = getHeapStatistics().heap_size_limit;
  const memoryLimit = memoryLimitOf(process.constrainedMemory(), totalmem());
  logger.info(
    {
      url,
      dataDir,
      heapLimitMiB: Math.round(heapLimit / 1024 ** 2),
      memoryLimitMiB: memoryLimit === undefined ? null : Math.round(memoryLimit / 1024 ** 2),
      roles: config.roles,
      store:
        hopwatch.store === undefined
          ? 'none (no sink role)'
          : config.store.url === undefined
            ? 'embedded chDB'
            : 'ClickHouse server',
      auth: open ? 'none: open, loopback only' : `${config.api.tokens.length} bearer token(s)`,
      sources: hopwatch.sources.map((source) => source.name),
      otlpGrpcPort: hopwatch.otlpGrpcPort(),
    },
    `hopwatch listening on ${url}${grpcNote(hopwatch.otlpGrpcPort())}, data in ${dataDir}` +
      (open ? ' (no api.tokens: every route is open, so only loopback is served)' : ''),
  );
  const warning = heapLimitWarning(heapLimit, memoryLimit);
  if (warning !== undefined) logger.warn(warning);
}

function grpcNote(port: number | undefined): string {
  return port === undefined ? '' : ` and OTLP/gRPC on port ${port}`;
}

/** Waits for SIGINT/SIGTERM, then shuts down; a second signal exits at once. */
async function stopOnSignal(hopwatch: Hopwatch, logger: Logger): Promise<number> {
  const signal = await new Promise<NodeJS.Signals>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  logger.info({ signal }, 'shutting down: stopping intake, closing open windows, flushing writes');
  const forceExit = (second: NodeJS.Signals) => {
    logger.warn({ signal: second }, 'second signal: exiting without finishing the shutdown');
    logger.flush();
    process.exit(130);
  };
  process.once('SIGINT', forceExit);
  process.once('SIGTERM', forceExit);
  try {
    await hopwatch.shutdown();
  } catch (error) {
    logger.fatal({ err: error }, 'shutdown failed: what was not yet in the store is lost');
    logger.flush();
    return 1;
  }
  logger.info('stopped');
  logger.flush();
  return 0;
}

function usageError(reason: string): number {
  process.stderr.write(`hopwatch run: ${reason}\n`);
  return 2;
}

export function register(program: Command): void {
  program
    .command('run')
    .description(
      'Run hopwatch: HTTP ingest (POST /v1/ingest) and, with kafka.brokers or KAFKA_BROKERS, Kafka topics; ' +
        'detection, storage, alerts and the query API. ' +
        'Port from api.port or HOPWATCH_PORT (8080), data under dataDir or HOPWATCH_DATA_DIR (./data).',
    )
    .option('-c, --config <file>', 'YAML config file (default: ./hopwatch.yaml when present)')
    .option(
      '--role <roles>',
      'all (default: the whole pipeline in this process), or stages of a pipeline split over Kafka, ' +
        'comma-separated: ingest, detect, sink (sets HOPWATCH_ROLE)',
    )
    .action(async (options: { config?: string; role?: string }) => {
      const env = options.role === undefined ? process.env : { ...process.env, HOPWATCH_ROLE: options.role };
      // Exit explicitly: the embedded store's native handles would otherwise keep the process alive.
      process.exit(await runHopwatch(options.config, env));
    });
}
