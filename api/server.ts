import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import {
  createJsonSchemaTransform,
  createJsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { AlertDispatcher } from '../alerts/dispatcher.js';
import type { SilenceBook } from '../incidents/silences.js';
import type { HttpIngestSource } from '../ingest/http-source.js';
import type { Source } from '../ingest/source.js';
import { findingSchema } from '../schemas/finding.js';
import { incidentSchema } from '../schemas/incident.js';
import { silenceSchema } from '../schemas/silence.js';
import type { PipelineStats } from '../schemas/stats.js';
import type { HopwatchStore } from '../store/types.js';
import type { RateLimit } from './activity.js';
import { installAuth } from './auth.js';
import type { ApiConfig } from './config.js';
import { consoleDirectory, registerConsole } from './console.js';
import { answerError, apiErrorSchema, installErrorHandlers } from './errors.js';
import { googleOidcVerifier } from './google-oidc.js';
import type { HopwatchMetrics } from './metrics.js';
import { alertsRoutes } from './routes/alerts.js';
import { credentialsRoutes } from './routes/credentials.js';
import { deadLettersRoutes } from './routes/dead-letters.js';
import { type ExplainRecord, explainRoutes } from './routes/explain.js';
import { findingsRoutes } from './routes/findings.js';
import { firehoseRoutes } from './routes/firehose.js';
import { healthRoutes } from './routes/health.js';
import { incidentsRoutes } from './routes/incidents.js';
import { ingestRoutes } from './routes/ingest.js';
import { metricsRoutes } from './routes/metrics.js';
import { otlpRoutes } from './routes/otlp.js';
import { pubsubRoutes } from './routes/pubsub.js';
import { silencesRoutes } from './routes/silences.js';
import { statsRoutes } from './routes/stats.js';
import { tracesRoutes } from './routes/traces.js';
import { credentialSummarySchema, ingestResultSchema, traceNodeSchema, traceTreeSchema } from './schemas.js';

export type ApiDeps = {
  config: ApiConfig;
  /** Absent on an instance that runs no sink (a split pipeline's ingest or detect stage): /v1 is not served. */
  store: Pick<HopwatchStore, 'reader' | 'ping' | 'writer'> | undefined;
  /** POST /v1/ingest, when `http` is among the sources. */
  httpSource: HttpIngestSource | undefined;
  /** Every running source, for /readyz. */
  sources: readonly Source[];
  pipelineStats(): PipelineStats;
  /** GET /v1/alerts, when the alerts sink runs. */
  alerts: Pick<AlertDispatcher, 'list'> | undefined;
  /** The default rate limit, drawn on a credential's activity. */
  rateLimit: RateLimit;
  /** POST /v1/explain: a record through the pipeline's decoding, lineage and detectors. */
  explain: ExplainRecord;
  /** GET, POST, DELETE /v1/silences. */
  silences: SilenceBook;
  /** Wall clock, epoch ms (a silence must expire in the future). */
  now?: () => number;
  metrics: HopwatchMetrics;
  logger: Logger;
};

const DOCS_PREFIX = '/docs';

/** One debug line per request, by route pattern: URLs carry credential ids, and queries whatever a client put there. */
class RequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const line = {
      method: request.method,
      route: request.routeOptions.url,
      status: reply.statusCode,
      ms: reply.elapsedTime,
    };
    if (error) reply.log.warn({ ...line, err: error }, 'request failed');
    else reply.log.debug(line, 'request');
  }
}

/** Domain records named as components of the OpenAPI document (per app; zod's global registry is left alone). */
function documentedSchemas() {
  const registry = z.registry<{ id: string }>();
  registry.add(findingSchema, { id: 'Finding' });
  registry.add(incidentSchema, { id: 'Incident' });
  registry.add(silenceSchema, { id: 'Silence' });
  registry.add(traceNodeSchema, { id: 'TraceNode' });
  registry.add(traceTreeSchema, { id: 'TraceTree' });
  registry.add(credentialSummarySchema, { id: 'CredentialSummary' });
  registry.add(ingestResultSchema, { id: 'IngestResult' });
  registry.add(apiErrorSchema, { id: 'Error' });
  return registry;
}

/** The fastify app with every route group; not listening yet (`listen` or `inject` is up to the caller). */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  // fastify's own info lines ("Server listening at …") would repeat run's start-up line; its warnings and errors stay.
  const atInfo = deps.logger.isLevelEnabled('info') && !deps.logger.isLevelEnabled('debug');
  const quiet = atInfo ? deps.logger.child({}, { level: 'warn' }) : deps.logger;
  const logger: FastifyBaseLogger = quiet;
  const app: FastifyInstance = Fastify({
    loggerInstance: logger,
    logController: new RequestLog(),
    // A client that sends nothing, or its headers one byte at a time, is cut off instead of holding a socket.
    connectionTimeout: 120_000,
    requestTimeout: 120_000,
    keepAliveTimeout: 5_000,
    http: { headersTimeout: 10_000 },
    // Errors the router raises before any route (a path whose %-escapes do not decode) are answered
    // as every other error is.
    frameworkErrors: answerError,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandlers(app);
  installAuth(app, deps.config.tokens);
  app.addHook('onResponse', async (request, reply) => {
    request.log.debug(
      { method: request.method, url: request.routeOptions.url, status: reply.statusCode },
      'request',
    );
  });
  await registerDocs(app);
  await registerConsole(app, consoleDirectory());

  const { store } = deps;
  const storeReady = async () => store === undefined || (store.writer.available() && (await store.ping()));
  await app.register(healthRoutes, { storeReady, sources: deps.sources });
  await app.register(metricsRoutes, { registry: deps.metrics.registry });
  if (store === undefined) return app;
  const { reader } = store;
  await app.register(
    async (v1) => {
      if (deps.httpSource !== undefined) {
        await v1.register(ingestRoutes, {
          source: deps.httpSource,
          maxBytes: deps.config.ingestMaxBytes,
          maxListedRejects: deps.config.ingestMaxListedRejects,
        });
        await v1.register(otlpRoutes, { source: deps.httpSource, maxBytes: deps.config.ingestMaxBytes });
        await v1.register(firehoseRoutes, { source: deps.httpSource, maxBytes: deps.config.ingestMaxBytes });
        await v1.register(pubsubRoutes, {
          source: deps.httpSource,
          maxBytes: deps.config.ingestMaxBytes,
          verifyOidc: deps.config.pubsubPush && googleOidcVerifier(deps.config.pubsubPush),
        });
      }
      await v1.register(findingsRoutes, { reader });
      await v1.register(deadLettersRoutes, { reader });
      await v1.register(incidentsRoutes, { reader });
      await v1.register(silencesRoutes, { silences: deps.silences, now: deps.now ?? Date.now });
      await v1.register(credentialsRoutes, { reader, rateLimit: deps.rateLimit });
      await v1.register(tracesRoutes, { reader });
      await v1.register(statsRoutes, { reader, pipelineStats: deps.pipelineStats });
      if (deps.alerts !== undefined) await v1.register(alertsRoutes, { alerts: deps.alerts });
      await v1.register(explainRoutes, { explain: deps.explain });
    },
    { prefix: '/v1' },
  );
  return app;
}

async function registerDocs(app: FastifyInstance): Promise<void> {
  const schemaRegistry = documentedSchemas();
  const docsRoutes = ['', '/', '/json', '/yaml', '/static/*', '/uiConfig', '/initOAuth', '/*'].map(
    (suffix) => `${DOCS_PREFIX}${suffix}`,
  );
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'hopwatch',
        description: 'Findings, lineage and ingest of AI-agent and non-human-identity traffic',
        version: '0.1.0',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
    transform: createJsonSchemaTransform({ schemaRegistry, skipList: docsRoutes }),
    transformObject: createJsonSchemaTransformObject({ schemaRegistry }),
  });
  // Open to every client, tokens or not: it describes the routes and holds no data, and a browser
  // cannot send a bearer token. The routes themselves stay protected.
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX });
}
