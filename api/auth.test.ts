import { describe, expect, it } from 'vitest';
import { checkExposure, createTokenVerifier, generateToken, hashToken, isLoopbackHost } from './auth.js';
import { apiConfigSchema } from './config.js';

describe('bearer tokens', () => {
  it('generates distinct tokens whose hash is what the config expects', () => {
    const first = generateToken();
    const second = generateToken();
    expect(first.token).not.toBe(second.token);
    expect(first.hash).toBe(hashToken(first.token));
    expect(
      apiConfigSchema.safeParse({ tokens: [{ name: 'ci', hash: first.hash, scopes: ['read'] }] }).success,
    ).toBe(true);
  });

  it('finds the configured token a presented one hashes to, and nothing for an unknown one', () => {
    const reader = generateToken();
    const ingester = generateToken();
    const verify = createTokenVerifier([
      { name: 'reader', hash: reader.hash, scopes: ['read'] },
      { name: 'ingester', hash: ingester.hash, scopes: ['ingest'] },
    ]);
    expect(verify(ingester.token)?.name).toBe('ingester');
    expect(verify(reader.token)?.name).toBe('reader');
    expect(verify(`${reader.token}x`)).toBeNull();
    expect(verify('')).toBeNull();
  });
});

describe('checkExposure', () => {
  const config = (host: string, withToken: boolean) =>
    apiConfigSchema.parse({
      host,
      tokens: withToken ? [{ name: 'ops', hash: generateToken().hash, scopes: ['admin'] }] : [],
    });

  it('refuses a non-loopback address without tokens and names the field', () => {
    const result = checkExposure(config('0.0.0.0', false));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain('api.host');
  });

  it('allows loopback without tokens and any address with tokens', () => {
    expect(checkExposure(config('127.0.0.1', false)).ok).toBe(true);
    expect(checkExposure(config('::1', false)).ok).toBe(true);
    expect(checkExposure(config('0.0.0.0', true)).ok).toBe(true);
  });

  it('recognises loopback addresses only', () => {
    expect(['localhost', '127.0.0.1', '127.1.2.3', '::1'].every(isLoopbackHost)).toBe(true);
    expect(['0.0.0.0', '10.0.0.1', '::', 'example.com', '127.example.com'].some(isLoopbackHost)).toBe(false);
  });
});
