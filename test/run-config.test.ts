import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, spawnHopwatch } from './helpers/api-process.js';

beforeAll(assertBuilt);

async function runWith(args: string[], env: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'hopwatch-run-config-'));
  const process = spawnHopwatch(['run', ...args], { HOPWATCH_DATA_DIR: dataDir, ...env });
  return { code: await process.exited, stderr: process.stderr() };
}

describe('hopwatch run refuses a bad configuration with exit code 2', () => {
  it('names the field of a bad value', async () => {
    const { code, stderr } = await runWith([], { HOPWATCH_PORT: 'eighty' });
    expect(code).toBe(2);
    expect(stderr).toContain('api.port');
  });

  it('names the OTLP/gRPC port when it is no port', async () => {
    const { code, stderr } = await runWith([], { HOPWATCH_OTLP_GRPC_PORT: '70000' });
    expect(code).toBe(2);
    expect(stderr).toContain('api.otlpGrpcPort');
  });

  it('refuses to serve a non-loopback address without tokens', async () => {
    const { code, stderr } = await runWith([], { HOPWATCH_HOST: '0.0.0.0', HOPWATCH_PORT: '0' });
    expect(code).toBe(2);
    expect(stderr).toContain('api.host');
    expect(stderr).toContain('api.tokens');
  });

  it("names the Kafka TLS file it cannot read, and the SASL password's variable that is not set", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hopwatch-run-config-'));
    const kafka = (section: string) => {
      const file = join(dir, `${section.length}.yaml`);
      writeFileSync(file, `kafka:\n  brokers: [127.0.0.1:9]\n${section}`);
      return ['--config', file];
    };
    const noCa = await runWith(kafka(`  tls:\n    caFile: ${join(dir, 'missing-ca.pem')}\n`), {});
    expect(noCa.code).toBe(2);
    expect(noCa.stderr).toContain(
      `config field kafka.tls.caFile: cannot read ${join(dir, 'missing-ca.pem')} (ENOENT)`,
    );
    const sasl =
      '  sasl:\n    mechanism: scram-sha-512\n    username: hopwatch\n    passwordEnv: UNSET_KAFKA_PASSWORD\n';
    const noPassword = await runWith(kafka(sasl), {});
    expect(noPassword.code).toBe(2);
    expect(noPassword.stderr).toContain(
      'config field kafka.sasl.passwordEnv: environment variable UNSET_KAFKA_PASSWORD is not set',
    );
    const byEnv = await runWith([], {
      KAFKA_BROKERS: '127.0.0.1:9',
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'hopwatch',
    });
    expect(byEnv.code).toBe(2);
    expect(byEnv.stderr).toContain('environment variable KAFKA_SASL_PASSWORD is not set');
    const half = await runWith(kafka('  tls:\n    certFile: client.pem\n'), {});
    expect(half.code).toBe(2);
    expect(half.stderr).toContain('kafka.tls.certFile');
  });

  it('says when a Kafka client key is encrypted and its passphrase is not given, or does not open it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hopwatch-run-config-'));
    const passphrase = 'key-passphrase-0123';
    const { privateKey } = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase },
    });
    const keyFile = join(dir, 'client.key');
    writeFileSync(keyFile, privateKey);
    const config = (extra: string) => {
      const file = join(dir, `${extra.length}.yaml`);
      writeFileSync(
        file,
        `kafka:\n  brokers: [127.0.0.1:9]\n  tls:\n    certFile: ${keyFile}\n    keyFile: ${keyFile}\n${extra}`,
      );
      return ['--config', file];
    };
    const none = await runWith(config(''), {});
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(
      'config field kafka.tls.keyFile: the key is encrypted; name its passphrase with kafka.tls.keyPassphraseEnv or keyPassphraseFile',
    );
    const wrong = await runWith(config('    keyPassphraseEnv: KEY_PASSPHRASE\n'), {
      KEY_PASSPHRASE: 'not-it-0123',
    });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('config field kafka.tls.keyFile: the passphrase does not open the key');
    expect(wrong.stderr).not.toContain('not-it-0123');
    const unset = await runWith(config('    keyPassphraseEnv: KEY_PASSPHRASE\n'), {});
    expect(unset.stderr).toContain(
      'config field kafka.tls.keyPassphraseEnv: environment variable KEY_PASSPHRASE is not set',
    );
  });

  it('names the field of a bad token entry in the config file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hopwatch-run-config-')), 'hopwatch.yaml');
    writeFileSync(file, 'api:\n  tokens:\n    - name: ci\n      hash: "plain-token"\n      scopes: [read]\n');
    const { code, stderr } = await runWith(['--config', file], {});
    expect(code).toBe(2);
    expect(stderr).toContain('api.tokens.0.hash');
    expect(stderr).not.toContain('plain-token');
  });
});
