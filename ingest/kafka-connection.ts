import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import type { KafkaConfig, KafkaSasl } from './config.js';

/** What every Kafka client of hopwatch connects with besides the brokers' addresses. */
export type KafkaConnection = { ssl: boolean | ConnectionOptions; sasl: SASLOptions | undefined };

export type KafkaConnectionRead = { ok: true; connection: KafkaConnection } | { ok: false; reason: string };

class ConnectionProblem extends Error {}

function readFileOf(field: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConnectionProblem(
      `config field kafka.${field}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`,
    );
  }
}

function tlsOf(tls: KafkaConfig['tls']): boolean | ConnectionOptions {
  if (typeof tls === 'boolean') return tls;
  const { caFile, certFile, keyFile, servername } = tls;
  return {
    ca: caFile === undefined ? undefined : readFileOf('tls.caFile', caFile),
    cert: certFile === undefined ? undefined : readFileOf('tls.certFile', certFile),
    key: keyFile === undefined ? undefined : readFileOf('tls.keyFile', keyFile),
    servername,
  };
}

function passwordOf(sasl: KafkaSasl, env: NodeJS.ProcessEnv): string {
  if (sasl.passwordFile !== undefined) {
    const password = readFileOf('sasl.passwordFile', sasl.passwordFile).trim();
    if (password === '')
      throw new ConnectionProblem(`config field kafka.sasl.passwordFile: ${sasl.passwordFile} is empty`);
    return password;
  }
  const password = env[sasl.passwordEnv!];
  if (password === undefined || password === '')
    throw new ConnectionProblem(
      `config field kafka.sasl.passwordEnv: environment variable ${sasl.passwordEnv} is not set`,
    );
  return password;
}

/**
 * The TLS and SASL options of hopwatch's Kafka clients, with the files and the environment variable the
 * configuration names read now (clients are made at start: rotated certificates take a restart).
 */
export function kafkaConnection(
  config: Pick<KafkaConfig, 'tls' | 'sasl'>,
  env: NodeJS.ProcessEnv = process.env,
): KafkaConnectionRead {
  try {
    const { sasl } = config;
    return {
      ok: true,
      connection: {
        ssl: tlsOf(config.tls),
        sasl:
          sasl === undefined
            ? undefined
            : { mechanism: sasl.mechanism, username: sasl.username, password: passwordOf(sasl, env) },
      },
    };
  } catch (error) {
    if (error instanceof ConnectionProblem) return { ok: false, reason: error.message };
    throw error;
  }
}
