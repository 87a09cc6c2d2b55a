import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalBroker } from './local-broker.js';
import { freePorts, kafkaFile } from './running-broker.js';

/** A broker whose clients must authenticate: SASL over TLS on one listener, a client certificate on another. */
export type SecuredBroker = {
  /** SASL_SSL: PLAIN (`plain`) and SCRAM-SHA-256 (`scram`) users. */
  saslSsl: string;
  /** SSL with a client certificate required (mTLS). */
  mtls: string;
  /** PEM files: the CA that signed the broker's and the client's certificates, the client's pair. */
  files: { ca: string; clientCert: string; clientKey: string; clientKeyEncrypted: string };
  /** The passphrase of `clientKeyEncrypted`, the client's key encrypted (PKCS#8, AES-256). */
  clientKeyPassphrase: string;
  users: { plain: { username: string; password: string }; scram: { username: string; password: string } };
  stop(): Promise<void>;
};

const users = {
  plain: { username: 'hopwatch-plain', password: 'plain-secret-0123456789' },
  scram: { username: 'hopwatch-scram', password: 'scram-secret-0123456789' },
};

const clientKeyPassphrase = 'client-key-passphrase-0123';

/** A CA, a broker certificate for 127.0.0.1 and a client certificate (its key also encrypted), with openssl. */
function certificates(dir: string) {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const key = (name: string) =>
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`);
  key('ca');
  openssl('req', '-x509', '-key', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=hopwatch test CA');
  for (const [name, san] of [
    ['server', 'IP:127.0.0.1,DNS:localhost'],
    ['client', 'DNS:hopwatch'],
  ] as const) {
    key(name);
    openssl('req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.pem`,
    );
  }
  openssl(
    'pkcs8',
    '-topk8',
    '-in',
    'client.key',
    '-out',
    'client-encrypted.key',
    '-v2',
    'aes-256-cbc',
    '-passout',
    `pass:${clientKeyPassphrase}`,
  );
  // Kafka's PEM key store: the key (PKCS#8, as openssl 3 writes it) and its certificate in one file.
  writeFileSync(
    join(dir, 'server-store.pem'),
    readFileSync(join(dir, 'server.key'), 'utf8') + readFileSync(join(dir, 'server.pem'), 'utf8'),
  );
}

/**
 * A broker from the test jars (as local-broker.sh runs it) with two more listeners: SASL_SSL and SSL
 * with client authentication. Its plaintext listener stays for the broker itself and for setting up.
 */
export async function startSecuredBroker(): Promise<SecuredBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'hopwatch-tls-'));
  certificates(dir);
  const [saslPort, mtlsPort] = await freePorts(2);
  const started = await startLocalBroker(240_000, ({ port, controllerPort }) =>
    [
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort},SASL_SSL://127.0.0.1:${saslPort},SSL://127.0.0.1:${mtlsPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port},SASL_SSL://127.0.0.1:${saslPort},SSL://127.0.0.1:${mtlsPort}`,
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL',
      'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,OAUTHBEARER',
      // OAUTHBEARER with Kafka's default validator, which takes unsigned tokens (alg none) and checks their times.
      'listener.name.sasl_ssl.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="broker";',
      `listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${users.plain.username}="${users.plain.password}";`,
      'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'ssl.keystore.type=PEM',
      `ssl.keystore.location=${join(dir, 'server-store.pem')}`,
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${join(dir, 'ca.pem')}`,
      'listener.name.ssl.ssl.client.auth=required',
      '',
    ].join('\n'),
  );
  if (!started.ok) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`the secured broker did not start: ${started.reason}`);
  }
  const { broker } = started;
  // SCRAM credentials live in the cluster's metadata: set over the plaintext listener.
  execFileSync(
    'bash',
    [
      fileURLToPath(kafkaFile('local-broker.sh')),
      '--tool',
      'kafka.admin.ConfigCommand',
      '--bootstrap-server',
      broker.brokers[0]!,
      '--alter',
      '--entity-type',
      'users',
      '--entity-name',
      users.scram.username,
      '--add-config',
      `SCRAM-SHA-256=[password=${users.scram.password}]`,
    ],
    { stdio: 'pipe' },
  );
  return {
    saslSsl: `127.0.0.1:${saslPort}`,
    mtls: `127.0.0.1:${mtlsPort}`,
    files: {
      ca: join(dir, 'ca.pem'),
      clientCert: join(dir, 'client.pem'),
      clientKey: join(dir, 'client.key'),
      clientKeyEncrypted: join(dir, 'client-encrypted.key'),
    },
    users,
    clientKeyPassphrase,
    stop: async () => {
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
