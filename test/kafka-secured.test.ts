import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchFindings } from '../evaluation/match.js';
import { freePort, spawnHopwatch } from './helpers/api-process.js';
import {
  missedLabels,
  produceFiles,
  scenarioFile,
  scenarioLabels,
  testConfig,
  waitUntil,
} from './helpers/kafka-ingest.js';
import {
  kafkaRecordsReceived,
  kafkaRunConfig,
  stopGracefully,
  storedFindings,
} from './helpers/kafka-process.js';
import { processHarness } from './helpers/process-harness.js';
import { type SecuredBroker, startSecuredBroker } from './kafka/secured-broker.js';

const harness = processHarness();
let broker: SecuredBroker;
beforeAll(async () => {
  broker = await startSecuredBroker();
  // What the test's own producer reads for SCRAM; the hopwatch processes get it in their environment.
  process.env.TEST_KAFKA_PASSWORD = broker.users.scram.password;
}, 240_000);
afterAll(() => broker?.stop());

const scenario = 'fanout-explosion';

/** A token Kafka's default OAUTHBEARER validator takes: unsigned (alg none), valid for `seconds`. */
function unsignedToken(subject: string, seconds: number): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: 'none' })}.${part({ sub: subject, iat: now, exp: now + seconds })}.`;
}
const fresh = (what: string) => {
  const id = randomUUID().slice(0, 8);
  return { topic: `hopwatch-${what}-${id}`, groupId: `hopwatch-${what}-${id}` };
};

/**
 * Produces the scenario over the secured listener (as `hopwatch replay --to kafka` does, configured
 * with `kafka`), then runs hopwatch on it, configured with `runKafka` in its file and `env`.
 */
async function consumeSecured(
  what: string,
  address: string,
  kafka: Record<string, unknown>,
  env: Record<string, string>,
  runKafka = kafka,
) {
  const { topic, groupId } = fresh(what);
  const dir = harness.dataDir(what);
  const count = await produceFiles(testConfig({ kafka: { brokers: [address], ...kafka } }), topic, [
    scenarioFile(scenario),
  ]);
  const running = await harness.start(kafkaRunConfig(dir, topic, groupId, runKafka), dir, {
    KAFKA_BROKERS: address,
    ...env,
  });
  let received = 0;
  await waitUntil(
    () => `every record consumed (${received} of ${count} so far)`,
    async () => {
      received = await kafkaRecordsReceived(running);
      return received === count;
    },
    60_000,
  );
  expect(await stopGracefully(running)).toBe(0);
  const labels = scenarioLabels(scenario);
  const { final } = await storedFindings(dir);
  expect(missedLabels(final, labels)).toEqual([]);
  expect(matchFindings(final, labels).falsePositives).toEqual([]);
  return running;
}

/** A file holding `token`, as a refresher would write it. */
function tokenFileWith(token: string): string {
  const file = join(harness.dataDir('token'), 'kafka-token');
  writeFileSync(file, token);
  return file;
}

/** `hopwatch run` on the SASL_SSL listener with `sasl`, which the broker or hopwatch refuses: how it exited, and what it said. */
async function refusedStart(what: string, sasl: Record<string, unknown>, env: Record<string, string> = {}) {
  const { topic, groupId } = fresh(what);
  const dir = harness.dataDir(what);
  const config = kafkaRunConfig(dir, topic, groupId, { tls: { caFile: broker.files.ca }, sasl });
  const process = spawnHopwatch(['run', '-c', config], {
    HOPWATCH_PORT: String(await freePort()),
    HOPWATCH_DATA_DIR: dir,
    KAFKA_BROKERS: broker.saslSsl,
    ...env,
  });
  return { code: await process.exited, stderr: process.stderr() };
}

// A fresh broker's group coordinator can take a while to load under a busy CI machine.
describe('hopwatch against a broker that asks for TLS and authentication', { timeout: 90_000 }, () => {
  it('reads a topic over SASL_SSL with SCRAM-SHA-256, configured by environment variables alone, and finds what the scenario holds', async () => {
    const { password, username } = broker.users.scram;
    const running = await consumeSecured(
      'sasl-scram',
      broker.saslSsl,
      {
        tls: { caFile: broker.files.ca },
        sasl: { mechanism: 'scram-sha-256', username, passwordEnv: 'TEST_KAFKA_PASSWORD' },
      },
      {
        KAFKA_TLS_CA_FILE: broker.files.ca,
        KAFKA_SASL_MECHANISM: 'scram-sha-256',
        KAFKA_SASL_USERNAME: username,
        KAFKA_SASL_PASSWORD: password,
      },
      {},
    );
    expect(running.process.stderr()).not.toContain(password);
  });

  it('reads with SASL PLAIN, the password from a file', async () => {
    const passwordFile = join(harness.dataDir('plain-password'), 'kafka-password');
    writeFileSync(passwordFile, `${broker.users.plain.password}\n`);
    await consumeSecured(
      'sasl-plain',
      broker.saslSsl,
      {
        tls: { caFile: broker.files.ca },
        sasl: { mechanism: 'plain', username: broker.users.plain.username, passwordFile },
      },
      {},
    );
  });

  it('reads with a client certificate (mTLS), its key encrypted and the passphrase in a variable', async () => {
    const { ca, clientCert, clientKey, clientKeyEncrypted } = broker.files;
    const tls = { caFile: ca, certFile: clientCert };
    // The test's producer uses the key as it is; the hopwatch process, its encrypted copy.
    await consumeSecured(
      'mtls',
      broker.mtls,
      { tls: { ...tls, keyFile: clientKey } },
      { KAFKA_CLIENT_KEY_PASSPHRASE: broker.clientKeyPassphrase },
      { tls: { ...tls, keyFile: clientKeyEncrypted, keyPassphraseEnv: 'KAFKA_CLIENT_KEY_PASSPHRASE' } },
    );
  });

  it('reads with OAUTHBEARER, the token from a file, with SASL extensions as Confluent Cloud asks', async () => {
    const tokenFile = join(harness.dataDir('oauth-token'), 'kafka-token');
    writeFileSync(tokenFile, `${unsignedToken('hopwatch', 3600)}\n`);
    // The broker parses them (names of letters only, printable values) before it looks at the token.
    const extensions = { logicalCluster: 'lkc-hopwatch1', identityPoolId: 'pool-Hopwatch' };
    await consumeSecured(
      'oauth',
      broker.saslSsl,
      { tls: { caFile: broker.files.ca }, sasl: { mechanism: 'oauthbearer', tokenFile, extensions } },
      {},
    );
  });

  it('signs an Amazon MSK IAM token and sends it as OAUTHBEARER: a broker that is not MSK refuses it, and hopwatch says so without printing it', async () => {
    // AWS's documented example credentials.
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const refused = await refusedStart(
      'msk-iam',
      { mechanism: 'aws-msk-iam', region: 'eu-west-1' },
      { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: secret },
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /hopwatch run: could not start: SASL OAUTHBEARER authentication failed: the brokers refused the token \(invalid_token\)/,
    );
    expect(refused.stderr).not.toContain(secret);
    expect(refused.stderr).not.toMatch(/X-Amz-Signature|aHR0cHM6Ly9rYWZrYS/);
  });

  it('refuses to start when the password is wrong, saying why and never printing it', async () => {
    const wrong = 'not-the-password-0123456789';
    const sasl = {
      mechanism: 'scram-sha-256',
      username: broker.users.scram.username,
      passwordEnv: 'TEST_KAFKA_PASSWORD',
    };
    const refused = await refusedStart('sasl-wrong', sasl, { TEST_KAFKA_PASSWORD: wrong });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/hopwatch run: could not start: SASL SCRAM SHA256 authentication failed/);
    expect(refused.stderr).not.toContain(wrong);
  });

  it('refuses to start when the brokers refuse the OAUTHBEARER token, saying so rather than "no brokers"', async () => {
    // Opaque to hopwatch (no JWT to read an expiry from), and no token the broker's validator takes.
    const opaque = 'opaque-token-0123456789abcdef';
    const refused = await refusedStart('oauth-refused', {
      mechanism: 'oauthbearer',
      tokenFile: tokenFileWith(opaque),
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /hopwatch run: could not start: SASL OAUTHBEARER authentication failed: the brokers refused the token \(invalid_token\)\n/,
    );
    expect(refused.stderr).not.toContain(opaque);
  });

  it('refuses to start when the OAUTHBEARER token has expired, saying when it did', async () => {
    const expired = unsignedToken('hopwatch', -60);
    const refused = await refusedStart('oauth-expired', {
      mechanism: 'oauthbearer',
      tokenFile: tokenFileWith(expired),
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /hopwatch run: config field kafka\.sasl\.tokenFile: the token in \S+ expired at \d{4}-\d\d-\d\dT/,
    );
    expect(refused.stderr).not.toContain(expired);
  });
});
