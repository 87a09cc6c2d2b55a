import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config.js';

function writeYaml(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'hopwatch-config-')), 'hopwatch.yaml');
  writeFileSync(file, text);
  return file;
}

/** The README's "fuller example" of hopwatch.yaml, its placeholder token hash made a real one. */
function readmeExample(): string {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('```yaml\n', readme.indexOf('A fuller example')) + '```yaml\n'.length;
  return readme.slice(start, readme.indexOf('```\n', start)).replace('sha256:…', `sha256:${'a'.repeat(64)}`);
}

describe('loadConfig', () => {
  it("takes the README's fuller example as it is written", () => {
    const result = loadConfig(undefined, { HOPWATCH_CONFIG: writeYaml(readmeExample()) });
    expect(result.ok ? 'ok' : result.reason).toBe('ok');
    if (!result.ok) return;
    expect(result.config.store.hops).toBe('all');
    expect(result.config.alerts.webhooks.map((hook) => hook.name)).toEqual(['security-oncall']);
  });

  it('fills every section with its defaults when nothing is configured', () => {
    const result = loadConfig(undefined, { HOPWATCH_CONFIG: writeYaml('') });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.api.port).toBe(8080);
    expect(result.config.kafka.topics).toEqual(['hopwatch.access-logs']);
    expect(result.config.lineage.graceMs).toBe(5_000);
    expect(result.config.dataDir).toBe('./data');
  });

  it('lets environment variables override the file', () => {
    const file = writeYaml('api:\n  port: 9000\nkafka:\n  brokers: [a:9092]\n');
    const result = loadConfig(file, { HOPWATCH_PORT: '9100', KAFKA_BROKERS: 'b:9092, c:9092' });
    expect(result.ok && result.config.api.port).toBe(9100);
    expect(result.ok && result.config.kafka.brokers).toEqual(['b:9092', 'c:9092']);
  });

  it('configures TLS and SASL to the Kafka brokers from environment variables, the password left in one', () => {
    const env = {
      KAFKA_BROKERS: 'b-1.kafka:9096',
      KAFKA_TLS: 'true',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'hopwatch',
    };
    const secured = loadConfig(undefined, env);
    expect(secured.ok && secured.config.kafka).toMatchObject({
      tls: true,
      sasl: { mechanism: 'scram-sha-512', username: 'hopwatch', passwordEnv: 'KAFKA_SASL_PASSWORD' },
    });
    const privateCa = loadConfig(undefined, { ...env, KAFKA_TLS_CA_FILE: '/etc/hopwatch/ca.pem' });
    expect(privateCa.ok && privateCa.config.kafka.tls).toEqual({ caFile: '/etc/hopwatch/ca.pem' });
    const unsure = loadConfig(undefined, { ...env, KAFKA_TLS: 'yes' });
    expect(unsure.ok ? 'accepted' : unsure.reason).toContain('kafka.tls');
  });

  it('names the field when a value has the wrong type', () => {
    const file = writeYaml('lineage:\n  graceMs: soon\n');
    const result = loadConfig(file, {});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toContain('lineage.graceMs');
  });

  it("takes a Pub/Sub push identity with Google's keys by default, and names a field that is no email", () => {
    const push = 'api:\n  pubsubPush:\n    audience: https://hopwatch.example.com/v1/pubsub\n';
    const taken = loadConfig(writeYaml(`${push}    serviceAccount: push@acme.iam.gserviceaccount.com\n`), {});
    expect(taken.ok && taken.config.api.pubsubPush).toEqual({
      audience: 'https://hopwatch.example.com/v1/pubsub',
      serviceAccount: 'push@acme.iam.gserviceaccount.com',
      jwksUrl: 'https://www.googleapis.com/oauth2/v3/certs',
    });
    const typo = loadConfig(writeYaml(`${push}    serviceAcount: push@acme.iam.gserviceaccount.com\n`), {});
    expect(typo.ok ? 'accepted' : typo.reason).toContain('api.pubsubPush');
    const notEmail = loadConfig(writeYaml(`${push}    serviceAccount: push-sa\n`), {});
    expect(notEmail.ok ? 'accepted' : notEmail.reason).toContain('api.pubsubPush.serviceAccount');
  });

  it("refuses a topic's format that is not one, naming the topic (every record would be a dead letter)", () => {
    const typo = loadConfig(writeYaml('kafka:\n  formatByTopic:\n    gateway-logs: envoy-json\n'), {});
    expect(typo.ok ? 'accepted' : typo.reason).toMatch(/kafka\.formatByTopic\.gateway-logs.*"envoy"/);
    const proto = loadConfig(writeYaml('kafka:\n  formatByTopic:\n    otel-spans: otlp-proto\n'), {});
    expect(proto.ok && proto.config.kafka.formatByTopic).toEqual({ 'otel-spans': 'otlp-proto' });
  });

  it('refuses caps larger than one Map can hold, naming the field', () => {
    // A Map throws past 2^24 entries: such a cap would stop the pipeline once that much traffic came.
    for (const [section, field] of [
      ['lineage', 'maxTraces'],
      ['detectors', 'maxTrackedKeys'],
      ['detectors', 'maxOpenWindows'],
      ['incidents', 'maxOpen'],
      ['store', 'hopsHoldMaxTraces'],
    ]) {
      const result = loadConfig(writeYaml(`${section}:\n  ${field}: 20000000\n`), {});
      expect(result.ok ? 'accepted' : result.reason).toContain(`${section}.${field}`);
    }
    const atCap = loadConfig(writeYaml('lineage:\n  maxTraces: 10000000\n'), {});
    expect(atCap.ok && atCap.config.lineage.maxTraces).toBe(10_000_000);
  });

  it('names the environment-sourced field, and the variable, when it is not a number', () => {
    const result = loadConfig(undefined, { HOPWATCH_CONFIG: writeYaml(''), HOPWATCH_PORT: 'eighty' });
    expect(!result.ok && result.reason).toContain('config field api.port (from HOPWATCH_PORT):');
  });

  it('reads the file HOPWATCH_CONFIG names unless --config names one', () => {
    const fromEnv = writeYaml('logLevel: warn\n');
    expect(loadConfig(undefined, { HOPWATCH_CONFIG: fromEnv })).toMatchObject({
      config: { logLevel: 'warn' },
    });
    const flag = writeYaml('logLevel: error\n');
    expect(loadConfig(flag, { HOPWATCH_CONFIG: fromEnv })).toMatchObject({ config: { logLevel: 'error' } });
    expect(loadConfig(undefined, { HOPWATCH_CONFIG: '/nonexistent/hopwatch.yaml' })).toMatchObject({
      ok: false,
    });
  });

  it('rejects unknown top-level keys instead of ignoring a typo', () => {
    const result = loadConfig(writeYaml('detector:\n  allowedLatenessMs: 5\n'), {});
    expect(!result.ok && result.reason).toMatch(/detector/);
  });

  it('reports a missing explicitly named file and broken YAML', () => {
    expect(loadConfig('/nonexistent/hopwatch.yaml', {})).toMatchObject({ ok: false });
    const broken = loadConfig(writeYaml('api: [unclosed\n'), {});
    expect(!broken.ok && broken.reason).toContain('not valid YAML');
  });
});
