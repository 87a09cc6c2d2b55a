import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import type { KafkaConfig, KafkaSasl } from './config.js';
import { decodeJwtPayload } from './identity/jwt.js';
import { mskIamTokenProvider } from './kafka-msk-iam.js';
import { type OauthbearerMechanism, oauthbearerMechanism } from './kafka-oauthbearer.js';

/** What every Kafka client of hopwatch connects with besides the brokers' addresses. */
export type KafkaConnection = {
  ssl: boolean | ConnectionOptions;
  sasl: SASLOptions | OauthbearerMechanism | undefined;
};

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
  const { caFile, certFile, keyFile, servername, keyPassphraseEnv, keyPassphraseFile } = tls;
  const encrypted = keyPassphraseEnv !== undefined || keyPassphraseFile !== undefined;
  const passphrase = encrypted
    ? secretOf('tls.keyPassphrase', { env: keyPassphraseEnv, file: keyPassphraseFile })
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

/** A secret from the file the configuration names, else from the environment variable it names. */
function secretOf(field: string, from: { env?: string; file?: string }): string {
  if (from.file !== undefined) {
    const secret = readFileOf(`${field}File`, from.file).trim();
    if (secret === '') throw new ConnectionProblem(`config field kafka.${field}File: ${from.file} is empty`);
    return secret;
  }
  const secret = process.env[from.env!];
  if (secret === undefined || secret === '')
    throw new ConnectionProblem(
      `config field kafka.${field}Env: environment variable ${from.env} is not set`,
    );
  return secret;
}

function saslOf(sasl: KafkaSasl): SASLOptions | OauthbearerMechanism {
  if (sasl.mechanism === 'aws-msk-iam') {
    const region = sasl.region ?? (process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION);
    if (region === undefined || region === '')
      throw new ConnectionProblem(
        "config field kafka.sasl.region: aws-msk-iam signs for the cluster's region; set it, or AWS_REGION",
      );
    return oauthbearerMechanism(
      mskIamTokenProvider({ region, profile: sasl.profile, roleArn: sasl.roleArn }),
    );
  }
  if (sasl.tokenFile !== undefined) {
    const token = { file: sasl.tokenFile };
    const exp = decodeJwtPayload(secretOf('sasl.token', token))?.exp;
    // Brokers answer an expired token by closing the connection, which kafkajs reports as no brokers at all.
    if (typeof exp === 'number' && exp * 1000 <= Date.now())
      throw new ConnectionProblem(
        `config field kafka.sasl.tokenFile: the token in ${token.file} expired at ${new Date(exp * 1000).toISOString()}`,
      );
    // Read at every authentication: a token refreshed in the file is taken up without a restart.
    const { extensions } = sasl;
    return oauthbearerMechanism(async () => ({ value: secretOf('sasl.token', token), extensions }));
  }
  const password = secretOf('sasl.password', { env: sasl.passwordEnv, file: sasl.passwordFile });
  const mechanism = sasl.mechanism as Exclude<KafkaSasl['mechanism'], 'oauthbearer' | 'aws-msk-iam'>;
  return { mechanism, username: sasl.username!, password } as SASLOptions;
}

type ConnectionConfig = Pick<KafkaConfig, 'tls' | 'sasl'>;

/** What a configuration's files and variables gave: every client of the process connects with the one read. */
const read = new WeakMap<ConnectionConfig, KafkaConnectionRead>();

/**
 * The TLS and SASL options of hopwatch's Kafka clients, with the files and the environment variables the
 * configuration names read and checked once, at start (rotated certificates take a restart; an
 * OAUTHBEARER token file is read again at every authentication).
 */
export function kafkaConnection(config: ConnectionConfig): KafkaConnectionRead {
  let connection = read.get(config);
  if (connection === undefined) {
    connection = readConnection(config);
    read.set(config, connection);
  }
  return connection;
}

function readConnection(config: ConnectionConfig): KafkaConnectionRead {
  try {
    const { sasl } = config;
    return {
      ok: true,
      connection: { ssl: tlsOf(config.tls), sasl: sasl === undefined ? undefined : saslOf(sasl) },
    };
  } catch (error) {
    if (error instanceof ConnectionProblem) return { ok: false, reason: error.message };
    throw error;
  }
}
