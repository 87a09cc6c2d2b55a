import {
  type Metadata,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServiceDefinition,
  type StatusObject,
  type sendUnaryData,
  status,
} from '@grpc/grpc-js';
import type { Logger } from '../common/logger.js';
import type { HttpIngestSource } from '../ingest/http-source.js';
import { otlpExportResponse } from '../ingest/otlp-protobuf.js';
import { createTokenVerifier, tokenGrants } from './auth.js';
import type { ApiToken } from './config.js';
import { exportOf, logs, partialOf, type Signal, traces } from './otlp-signals.js';
import { submitDurably } from './request-body.js';

/**
 * The OTLP/gRPC receiver (`TraceService/Export`, `LogsService/Export`): what the Collector's default
 * `otlp` exporter, Envoy's gRPC loggers and gRPC-configured SDKs send. An export goes through the same
 * intake as OTLP/HTTP (journal, pipeline, store) and is answered once durable; rejected records are
 * OTLP's partial success. Errors take the codes OTLP gives them: UNAVAILABLE (retried by exporters)
 * when intake refuses, INVALID_ARGUMENT for what does not decode, UNAUTHENTICATED and
 * PERMISSION_DENIED for the ingest token sent as `authorization: Bearer <token>` metadata.
 */

export type OtlpGrpcOptions = {
  host: string;
  port: number;
  source: HttpIngestSource;
  maxBytes: number;
  tokens: ApiToken[];
  logger: Logger;
};

export type OtlpGrpcServer = { port: number; close(): Promise<void> };

const asIs = (bytes: Buffer) => bytes;

type Denial = Pick<StatusObject, 'code' | 'details'>;

/** A unary Export method taking and answering raw protobuf bytes: hopwatch decodes them itself. */
function serviceOf(signal: Signal): ServiceDefinition {
  const method = {
    path: signal.grpcMethod,
    requestStream: false,
    responseStream: false,
    requestSerialize: asIs,
    requestDeserialize: asIs,
    responseSerialize: asIs,
    responseDeserialize: asIs,
  };
  return { Export: method };
}

/** Why a call may not export, or undefined when it may; with no tokens configured, every call may. */
function authorizer(tokens: ApiToken[]): (metadata: Metadata) => Denial | undefined {
  if (tokens.length === 0) return () => undefined;
  const verify = createTokenVerifier(tokens);
  return (metadata) => {
    const [header] = metadata.get('authorization');
    const [scheme, presented] = typeof header === 'string' ? header.split(' ', 2) : [];
    if (scheme?.toLowerCase() !== 'bearer' || !presented)
      return { code: status.UNAUTHENTICATED, details: 'a bearer token is required (authorization metadata)' };
    const token = verify(presented.trim());
    if (token === null) return { code: status.UNAUTHENTICATED, details: 'the bearer token is not valid' };
    if (!tokenGrants(token, 'ingest'))
      return { code: status.PERMISSION_DENIED, details: 'this token lacks the ingest scope' };
    return undefined;
  };
}

async function exportCall(
  signal: Signal,
  call: ServerUnaryCall<Buffer, Buffer>,
  answer: sendUnaryData<Buffer>,
  options: OtlpGrpcOptions,
): Promise<void> {
  const read = exportOf(signal, call.request, true);
  if (typeof read === 'string') return answer({ code: status.INVALID_ARGUMENT, details: read });
  const intake = options.source.openIntake();
  if ('refused' in intake) return answer({ code: status.UNAVAILABLE, details: intake.refused });
  try {
    const submitted = await submitDurably(intake, read.records);
    if (!submitted.ok) return answer({ code: status.UNAVAILABLE, details: submitted.reason });
    answer(null, Buffer.from(otlpExportResponse(partialOf(read, submitted.outcome.rejects))));
  } catch (error) {
    options.logger.error({ err: error }, 'an OTLP/gRPC export failed');
    answer({ code: status.UNAVAILABLE, details: 'the export was not taken; retry it' });
  } finally {
    intake.close();
  }
}

/** Listens on host:port (0: any free port) until closed; closing waits for the exports in flight. */
export async function startOtlpGrpc(options: OtlpGrpcOptions): Promise<OtlpGrpcServer> {
  const server = new Server({ 'grpc.max_receive_message_length': options.maxBytes });
  const authorize = authorizer(options.tokens);
  for (const signal of [traces, logs]) {
    server.addService(serviceOf(signal), {
      Export: (call: ServerUnaryCall<Buffer, Buffer>, answer: sendUnaryData<Buffer>) => {
        const denied = authorize(call.metadata);
        if (denied !== undefined) return answer(denied);
        void exportCall(signal, call, answer, options);
      },
    });
  }
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${options.port}`, ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return { port, close: () => new Promise((resolve) => server.tryShutdown(() => resolve())) };
}
