import { createHash } from 'node:crypto';
import type { Credential, HopEvent } from '../../schemas/hop-event.js';
import type { ScenarioFormat } from '../traffic.js';

/**
 * The credential id each format's adapter derives for a scenario credential, or undefined when the
 * format cannot name it without logging a raw secret (an API key in Envoy or OTLP records).
 * - Envoy: JWT claims from jwt_authn metadata, the mTLS peer SAN.
 * - Kong: a presented test JWT; otherwise the Consumer that key-auth or mtls-auth mapped the caller to.
 * - OTLP: a presented test JWT; otherwise the calling service.
 */
export function renderedCredentialId(format: ScenarioFormat, credential: Credential): string | undefined {
  if (format === 'canonical' || credential.kind === 'jwt') return credential.id;
  const family = formatFamily(format);
  if (credential.kind === 'mtls') {
    if (family === 'envoy') return credential.id;
    if (family === 'kong') return `kong-consumer:${credential.id}`;
    return `service:${serviceAccountOf(credential.id)}`;
  }
  if (credential.kind === 'api_key' && family === 'kong' && credential.subject !== undefined) {
    return `kong-consumer:${credential.subject}`;
  }
  return undefined;
}

/** The adapter a scenario format's records go through. */
function formatFamily(format: ScenarioFormat): string {
  if (format === 'istio') return 'envoy';
  if (format === 'kong-no-caller') return 'kong';
  if (format === 'otlp-per-trace') return 'otlp';
  return format;
}

export function serviceAccountOf(spiffe: string): string {
  return spiffe.slice(spiffe.lastIndexOf('/') + 1);
}

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const testHeader = base64url({ alg: 'RS256', typ: 'JWT', kid: 'hopwatch-synthetic-test-key' });
/** Not a signature: these tokens are test fixtures that no verifier accepts. */
const testSignature = Buffer.from('hopwatch synthetic test token, not signed').toString('base64url');

/** The claims of the token a JWT credential stands for: scopes, `jti`, and RFC 8693 `act` for a delegation chain. */
export function jwtClaims(hop: HopEvent): Record<string, unknown> {
  const { credential } = hop;
  const issuedAt = Math.floor(hop.ts / 1000) - 30;
  const claims: Record<string, unknown> = {
    iss: credential.issuer,
    sub: credential.subject,
    aud: hop.destination.host ?? hop.destination.service,
    scope: credential.scopes.join(' '),
    iat: issuedAt,
    exp: issuedAt + 900,
  };
  if (credential.jti !== undefined) claims.jti = credential.jti;
  const actors = hop.delegation?.slice(1) ?? [];
  let act: Record<string, unknown> | undefined;
  for (const actor of actors) act = act === undefined ? { sub: actor } : { sub: actor, act };
  if (act !== undefined) claims.act = act;
  return claims;
}

/** A compact JWS with the hop's claims and a fixed non-signature: synthetic, never a real secret. */
export function syntheticJwt(hop: HopEvent): string {
  return `${testHeader}.${base64url(jwtClaims(hop))}.${testSignature}`;
}

/** The span id of the (unlogged) operation that made a root call, stable per hop. */
export function callerSpanOf(hop: HopEvent): string {
  return hop.parentSpanId ?? createHash('sha256').update(hop.id).digest('hex').slice(0, 16);
}
