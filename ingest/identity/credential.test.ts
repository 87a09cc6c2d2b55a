import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { resolveIdentity, spiffeFromForwardedClientCert, spiffeFromSans } from './credential.js';
import { secretFingerprint } from './fingerprint.js';

function unsignedJwt(claims: object): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  return `${encode({ alg: 'none' })}.${encode(claims)}.c2lnLXNlY3JldA`;
}

const issuer = 'https://idp.acme.internal';
const exchangedToken = unsignedJwt({
  iss: issuer,
  sub: 'alice@acme.com',
  scope: 'tickets:read',
  act: {
    sub: 'spiffe://acme.internal/ns/agents/sa/support-agent',
    act: { sub: 'spiffe://acme.internal/ns/agents/sa/planner' },
  },
});

describe('fingerprints', () => {
  it('are the first 16 hex of the SHA-256 of the secret', () => {
    const key = 'sk-live-7Hq2xZ9rT4mW8pL3vN6b';
    expect(secretFingerprint(key)).toBe(createHash('sha256').update(key).digest('hex').slice(0, 16));
  });
});

describe('mTLS peer names', () => {
  it('picks the SPIFFE ID among comma-joined URI SANs', () => {
    expect(spiffeFromSans('https://legacy.example,spiffe://td/ns/a/sa/b')).toBe('spiffe://td/ns/a/sa/b');
    expect(spiffeFromSans('urn:x,urn:y')).toBe('urn:x');
  });

  it('reads the nearest client from x-forwarded-client-cert', () => {
    const xfcc =
      'By=spiffe://td/ns/gw/sa/gw;URI=spiffe://td/ns/edge/sa/edge,' +
      'By=spiffe://td/ns/b/sa/b;Hash=abc;Subject="";URI=spiffe://td/ns/a/sa/a';
    expect(spiffeFromForwardedClientCert(xfcc)).toBe('spiffe://td/ns/a/sa/a');
  });
});

describe('resolving the credential of a hop', () => {
  it('turns a bearer JWT into jwt:<iss>|<sub> with the act chain as delegation, originator first', () => {
    const identity = resolveIdentity({ authorization: `Bearer ${exchangedToken}` });
    expect(identity.credential).toMatchObject({
      id: `jwt:${issuer}|alice@acme.com`,
      kind: 'jwt',
      scopes: ['tickets:read'],
    });
    expect(identity.delegation).toEqual([
      `jwt:${issuer}|alice@acme.com`,
      'spiffe://acme.internal/ns/agents/sa/planner',
      'spiffe://acme.internal/ns/agents/sa/support-agent',
    ]);
  });

  it('prefers the claims the gateway verified over the presented header', () => {
    const identity = resolveIdentity({
      jwtClaims: { iss: issuer, sub: 'verified' },
      authorization: `Bearer ${unsignedJwt({ iss: issuer, sub: 'presented' })}`,
    });
    expect(identity.credential.id).toBe(`jwt:${issuer}|verified`);
  });

  it('fingerprints an API key and an opaque bearer token', () => {
    expect(resolveIdentity({ apiKey: 'kong-key-Qm4R8tY2uI6oP0aS' }).credential).toEqual({
      id: `key:${secretFingerprint('kong-key-Qm4R8tY2uI6oP0aS')}`,
      kind: 'api_key',
      scopes: [],
    });
    expect(resolveIdentity({ authorization: 'Bearer opaque-bearer-Rr99Tt88Yy77' }).credential.id).toBe(
      `key:${secretFingerprint('opaque-bearer-Rr99Tt88Yy77')}`,
    );
  });

  it('keeps the user of basic auth as subject and fingerprints the whole credential', () => {
    const basic = Buffer.from('sync-bot:hunter2').toString('base64');
    expect(resolveIdentity({ authorization: `Basic ${basic}` }).credential).toEqual({
      id: `key:${secretFingerprint(basic)}`,
      kind: 'api_key',
      subject: 'sync-bot',
      scopes: [],
    });
  });

  it('keeps no subject for a basic credential without a user part (it would be the secret itself)', () => {
    const keyOnly = Buffer.from('just-a-secret-key').toString('base64');
    expect(resolveIdentity({ authorization: `Basic ${keyOnly}` }).credential.subject).toBeUndefined();
  });

  it('ranks an authenticated consumer above a raw key, and a key above the mTLS peer', () => {
    const consumer = {
      id: 'kong-consumer:sre-bot',
      kind: 'api_key' as const,
      subject: 'sre-bot',
      scopes: [],
    };
    expect(resolveIdentity({ authenticated: consumer, apiKey: 'k' }).credential.id).toBe(
      'kong-consumer:sre-bot',
    );
    const withPeer = resolveIdentity({ apiKey: 'k', peerUriSans: 'spiffe://td/ns/a/sa/a' });
    expect(withPeer.credential.kind).toBe('api_key');
    expect(withPeer.spiffeId).toBe('spiffe://td/ns/a/sa/a');
  });

  it('uses the SPIFFE ID as an mTLS credential when nothing else names the caller', () => {
    expect(resolveIdentity({ peerUriSans: 'spiffe://td/ns/a/sa/a' }).credential).toEqual({
      id: 'spiffe://td/ns/a/sa/a',
      kind: 'mtls',
      subject: 'spiffe://td/ns/a/sa/a',
      scopes: [],
    });
  });

  it('falls back to an anonymous caller named by its address', () => {
    expect(resolveIdentity({ ip: '10.0.0.1' }).credential).toEqual({
      id: 'anonymous:10.0.0.1',
      kind: 'unknown',
      scopes: [],
    });
    expect(resolveIdentity({}).credential.id).toBe('anonymous');
  });

  it('builds the delegation chain from an on-behalf-of header, ending with the presenting credential', () => {
    const identity = resolveIdentity({ apiKey: 'k', onBehalfOf: 'alice@acme.com, planner' });
    expect(identity.delegation).toEqual(['alice@acme.com', 'planner', `key:${secretFingerprint('k')}`]);
  });

  it('never puts the raw secret into the identity', () => {
    const identity = resolveIdentity({
      authorization: `Bearer ${exchangedToken}`,
      apiKey: 'sk-live-secret-key',
    });
    const text = JSON.stringify(identity);
    expect(text).not.toContain(exchangedToken);
    expect(text).not.toContain('c2lnLXNlY3JldA');
    expect(text).not.toContain('sk-live-secret-key');
  });
});
