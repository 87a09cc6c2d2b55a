import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kafkaConfigSchema } from './config.js';
import { kafkaConnection } from './kafka-connection.js';

describe('the OAUTHBEARER token of the Kafka clients', () => {
  it('is read from its file at every authentication, so that a refreshed token is taken up', async () => {
    const tokenFile = join(mkdtempSync(join(tmpdir(), 'hopwatch-kafka-token-')), 'token');
    writeFileSync(tokenFile, 'first-token\n');
    const config = kafkaConfigSchema.parse({ sasl: { mechanism: 'oauthbearer', tokenFile } });
    const read = kafkaConnection(config);
    if (!read.ok || read.connection.sasl?.mechanism !== 'oauthbearer')
      throw new Error('no OAUTHBEARER options');
    const provider = read.connection.sasl.oauthBearerProvider;
    expect(await provider()).toEqual({ value: 'first-token' });
    writeFileSync(tokenFile, 'refreshed-token\n');
    expect(await provider()).toEqual({ value: 'refreshed-token' });
    writeFileSync(tokenFile, '');
    await expect(provider()).rejects.toThrow(`kafka.sasl.tokenFile: ${tokenFile} is empty`);
  });

  it('stops start-up, naming the field, when the file cannot be read, and wants nothing of a password', () => {
    const missing = kafkaConnection(
      kafkaConfigSchema.parse({ sasl: { mechanism: 'oauthbearer', tokenFile: '/nonexistent/token' } }),
    );
    expect(missing).toEqual({
      ok: false,
      reason: 'config field kafka.sasl.tokenFile: cannot read /nonexistent/token (ENOENT)',
    });
    const mixed = kafkaConfigSchema.safeParse({
      sasl: { mechanism: 'oauthbearer', tokenFile: '/t', username: 'hopwatch' },
    });
    expect(mixed.success ? 'accepted' : mixed.error.issues[0]?.path.join('.')).toBe('sasl.username');
    const scramWithToken = kafkaConfigSchema.safeParse({
      sasl: { mechanism: 'scram-sha-512', username: 'hopwatch', tokenFile: '/t' },
    });
    expect(scramWithToken.success ? 'accepted' : scramWithToken.error.issues[0]?.path.join('.')).toBe(
      'sasl.tokenFile',
    );
  });
});
