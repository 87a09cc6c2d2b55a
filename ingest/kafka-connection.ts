import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import { isObject, parsedOrUndefined } from '../common/json.js';
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

function tlsOf(tls: KafkaConfig['tls'], env: NodeJS.ProcessEnv): boolean | ConnectionOptions {
  if (typeof tls === 'boolean') return tls;
  const { caFile, certFile, keyFile, servername, keyPassphraseEnv, keyPassphraseFile } = tls;
  const encrypted = keyPassphraseEnv !== undefined || keyPassphraseFile !== undefined;
  const passphrase = encrypted
    ? secretOf('tls.keyPassphrase', { env: keyPassphraseEnv, file: keyPassphraseFile }, env)
    : undefined;
  const key = keyFile === undefined ? undefined : readFileOf('tls.keyFile', keyFile);
  if (key !== undefined) checkKey(key, passphrase);
  return {
    ca: caFile === undefined ? undefined : readFileOf('tls.caFile', caFile),
    cert: certFile === undefined ? undefined : readFileOf('tls.certFile', certFile),
    key,
    passphrase,
    servername,
  };
}

/** An encrypted PEM key: PKCS#8's own label, or the traditional header openssl's older formats write. */
const encryptedPem = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/;

/** A key that needs a passphrase it was not given, or does not open with the one given, stops start-up here. */
function checkKey(key: string, passphrase: string | undefined): void {
  if (passphrase === undefined && encryptedPem.test(key))
    throw new ConnectionProblem(
      'config field kafka.tls.keyFile: the key is encrypted; name its passphrase with kafka.tls.keyPassphraseEnv or keyPassphraseFile',
    );
  try {
    createPrivateKey({ key, format: 'pem', ...(passphrase === undefined ? {} : { passphrase }) });
  } catch (error) {
    throw new ConnectionProblem(
      passphrase === undefined
        ? `config field kafka.tls.keyFile: not a PEM private key (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`
        : 'config field kafka.tls.keyFile: the passphrase does not open the key',
    );
  }
}

/** A secret from the environment variable or the file the configuration names (`env` when both are absent). */
function secretOf(field: string, from: { env?: string; file?: string }, env: NodeJS.ProcessEnv): string {
  if (from.file !== undefined) {
    const secret = readFileOf(`${field}File`, from.file).trim();
    if (secret === '') throw new ConnectionProblem(`config field kafka.${field}File: ${from.file} is empty`);
    return secret;
  }
  const secret = env[from.env!];
  if (secret === undefined || secret === '')
    throw new ConnectionProblem(
      `config field kafka.${field}Env: environment variable ${from.env} is not set`,
    );
  return secret;
}

function saslOf(sasl: KafkaSasl, env: NodeJS.ProcessEnv): SASLOptions {
  if (sasl.tokenFile !== undefined) {
    const { tokenFile } = sasl;
    const token = tokenOf(
      tokenFile,
      (reason) => new ConnectionProblem(`config field kafka.sasl.tokenFile: ${reason}`),
    );
    const expiry = jwtExpiry(token);
    // Brokers answer an expired token by closing the connection, which kafkajs reports as no brokers at all.
    if (expiry !== undefined && expiry <= Date.now())
      throw new ConnectionProblem(
        `config field kafka.sasl.tokenFile: the token in ${tokenFile} expired at ${new Date(expiry).toISOString()}`,
      );
    // Read at every authentication: a token refreshed in the file is taken up without a restart.
    const fresh = () => tokenOf(tokenFile, (reason) => new Error(`kafka.sasl.tokenFile: ${reason}`));
    return { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: fresh() }) };
  }
  const password = secretOf('sasl.password', { env: sasl.passwordEnv, file: sasl.passwordFile }, env);
  const mechanism = sasl.mechanism as Exclude<KafkaSasl['mechanism'], 'oauthbearer'>;
  return { mechanism, username: sasl.username!, password };
}

/** When a JWT's `exp` says it expires (epoch ms); undefined for an opaque token. */
function jwtExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  const claims = parsedOrUndefined(Buffer.from(payload, 'base64url').toString('utf8'));
  return isObject(claims) && typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
}

/** The token in `file`, or the error `problem` makes of why there is none. */
function tokenOf(file: string, problem: (reason: string) => Error): string {
  let token: string;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw problem(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  if (token === '') throw problem(`${file} is empty`);
  return token;
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
        ssl: tlsOf(config.tls, env),
        sasl: sasl === undefined ? undefined : saslOf(sasl, env),
      },
    };
  } catch (error) {
    if (error instanceof ConnectionProblem) return { ok: false, reason: error.message };
    throw error;
  }
}
