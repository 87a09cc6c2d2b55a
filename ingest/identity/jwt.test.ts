import { describe, expect, it } from 'vitest';
import { secretFingerprint } from './fingerprint.js';
import { claimsFromMetadata, decodeJwtPayload, jwtActors, jwtCredential, jwtScopes } from './jwt.js';

function unsignedJwt(claims: object): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.c2lnbmF0dXJl`;
}

/** RFC 8693 Figure 6: service77 acted first, service16 is the current actor. */
const rfc8693NestedActors = {
  aud: 'https://service26.example.com',
  iss: 'https://issuer.example.com',
  exp: 1443904100,
  nbf: 1443904000,
  sub: 'user@example.com',
  act: { sub: 'https://service16.example.com', act: { sub: 'https://service77.example.com' } },
};

describe('JWT decoding', () => {
  it('decodes the payload of a compact JWS without checking the signature', () => {
    expect(decodeJwtPayload(unsignedJwt({ sub: 'alice', iss: 'https://idp' }))).toEqual({
      sub: 'alice',
      iss: 'https://idp',
    });
  });

  it.each([
    ['an opaque token', 'sk-live-7Hq2xZ9rT4mW8pL3vN6b'],
    ['a JWE (five parts)', 'a.b.c.d.e'],
    ['a payload that is not JSON', 'eyJhbGciOiJub25lIn0.bm90IGpzb24.sig'],
    ['a payload that is an array', `x.${Buffer.from('[1]').toString('base64url')}.y`],
  ])('gives nothing for %s', (_, token) => {
    expect(decodeJwtPayload(token)).toBeUndefined();
  });
});

describe('JWT claims', () => {
  it('lists nested act claims as actors, oldest first (RFC 8693 §4.1: the outermost act is the current actor)', () => {
    expect(jwtActors(rfc8693NestedActors)).toEqual([
      'https://service77.example.com',
      'https://service16.example.com',
    ]);
  });

  it('has no actors without act', () => {
    expect(jwtActors({ sub: 'user@example.com' })).toEqual([]);
  });

  it('reads space-separated scope, scp as array or string', () => {
    expect(jwtScopes({ scope: 'read  write' })).toEqual(['read', 'write']);
    expect(jwtScopes({ scp: ['metrics:read', 'deploy:write'] })).toEqual(['metrics:read', 'deploy:write']);
    expect(jwtScopes({ scp: 'a b' })).toEqual(['a', 'b']);
    expect(jwtScopes({})).toEqual([]);
  });

  it('names the credential by issuer and subject and keeps the jti apart', () => {
    expect(jwtCredential({ iss: 'https://idp', sub: 'alice', jti: 't-1', scope: 'read' }, 'abcd')).toEqual({
      id: 'jwt:https://idp|alice',
      kind: 'jwt',
      subject: 'alice',
      issuer: 'https://idp',
      jti: 't-1',
      scopes: ['read'],
    });
  });

  it('uses client_id when a client-credentials token has no sub', () => {
    expect(jwtCredential({ iss: 'https://idp', client_id: 'sre-bot' }, undefined).id).toBe(
      'jwt:https://idp|sre-bot',
    );
  });

  it('names a token with neither issuer nor subject by its fingerprint, never by the token', () => {
    const token = unsignedJwt({ scope: 'x' });
    expect(jwtCredential({ scope: 'x' }, token).id).toBe(`jwt:#${secretFingerprint(token)}`);
  });
});

describe('claims logged by a gateway', () => {
  it('accepts the payload object, its JSON text, or either wrapped under the metadata key', () => {
    const claims = { iss: 'https://idp', sub: 'alice' };
    expect(claimsFromMetadata(claims)).toEqual(claims);
    expect(claimsFromMetadata(JSON.stringify(claims))).toEqual(claims);
    expect(claimsFromMetadata({ jwt_payload: claims })).toEqual(claims);
    expect(claimsFromMetadata(JSON.stringify({ jwt_payload: claims }))).toEqual(claims);
  });

  it('gives nothing for missing markers and junk', () => {
    for (const value of ['-', null, '{not json', [{ sub: 'x' }], 42])
      expect(claimsFromMetadata(value)).toBeUndefined();
  });
});
