import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../pipeline/load-config.js';
import { alertsConfigSchema, type WebhookConfigInput } from './config.js';
import { resolveWebhookSecrets } from './secrets.js';

const directory = mkdtempSync(join(tmpdir(), 'hopwatch-secrets-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const webhook = (overrides: Partial<WebhookConfigInput>) =>
  alertsConfigSchema.parse({
    webhooks: [{ name: 'soc', url: 'https://hooks.example.com/hopwatch', ...overrides }],
  });

describe('webhook secrets', () => {
  it('reads the secret from the named environment variable and keeps it out of logs and JSON', () => {
    const resolved = resolveWebhookSecrets(webhook({ secretEnv: 'SOC_SECRET' }), {
      SOC_SECRET: 'whsec-0123456789abcdef',
    });
    if (!resolved.ok) throw new Error(resolved.reason);
    const [soc] = resolved.webhooks;
    expect(soc!.secret.reveal()).toBe('whsec-0123456789abcdef');
    expect(JSON.stringify(soc)).not.toContain('whsec');
    expect(inspect(soc, { depth: 5 })).not.toContain('whsec');
  });

  it('reads the secret from a file, without its trailing newline', () => {
    const file = join(directory, 'soc.secret');
    writeFileSync(file, 'whsec-from-a-mounted-file\n');
    const resolved = resolveWebhookSecrets(webhook({ secretFile: file }), {});
    expect(resolved.ok && resolved.webhooks[0]!.secret.reveal()).toBe('whsec-from-a-mounted-file');
  });

  it('stops start-up with a reason naming the webhook when the secret is missing, unreadable or short', () => {
    expect(resolveWebhookSecrets(webhook({ secretEnv: 'SOC_SECRET' }), {})).toEqual({
      ok: false,
      reason: 'alerts webhook "soc": environment variable SOC_SECRET (secretEnv) is not set',
    });
    expect(resolveWebhookSecrets(webhook({ secretFile: join(directory, 'absent') }), {})).toEqual({
      ok: false,
      reason: `alerts webhook "soc": cannot read file ${join(directory, 'absent')} (secretFile): ENOENT`,
    });
    expect(resolveWebhookSecrets(webhook({ secretEnv: 'SOC_SECRET' }), { SOC_SECRET: 'hunter2' })).toEqual({
      ok: false,
      reason:
        'alerts webhook "soc": the secret from environment variable SOC_SECRET (secretEnv) is shorter than 16 characters',
    });
  });

  it('rejects a config with both or neither secret source, duplicate names or a non-http URL', () => {
    const check = (alerts: unknown) => {
      const result = parseConfig({ alerts });
      return result.ok ? 'ok' : result.reason;
    };
    const base = { name: 'soc', url: 'https://hooks.example.com/x', secretEnv: 'S' };
    expect(check({ webhooks: [{ ...base, secretFile: '/run/secrets/s' }] })).toBe(
      'config field alerts.webhooks.0.secretEnv: set exactly one of secretEnv or secretFile',
    );
    expect(check({ webhooks: [base, base] })).toBe(
      'config field alerts.webhooks: webhook names must be unique',
    );
    expect(check({ webhooks: [{ ...base, url: 'ftp://hooks.example.com/x' }] })).toBe(
      'config field alerts.webhooks.0.url: must be an http(s) URL',
    );
    expect(check({ webhooks: [{ ...base, minSeverty: 'high' }] })).toMatch(/minSeverty/);
    expect(check({ webhooks: [{ ...base, maxAgeMs: 100 }], outbox: { retainMs: 100 } })).toBe(
      'config field alerts.webhooks.0.maxAgeMs: must be below outbox.retainMs (100)',
    );
    expect(check({ webhooks: [base] })).toBe('ok');
  });
});
