import { type Credential, credentialOf } from '../../schemas/hop-event.js';
import { secretFingerprint } from './fingerprint.js';
import { claimsFromMetadata, decodeJwtPayload, type JwtClaims, jwtActors, jwtCredential } from './jwt.js';

/**
 * What a log line says about who made the request. Raw secrets (`authorization`, `apiKey`) come in
 * here and leave only as fingerprints or decoded claims.
 */
export type IdentityEvidence = {
  /** Claims the gateway verified and logged (Envoy jwt_authn metadata): object or JSON text. */
  jwtClaims?: unknown;
  /** Raw `Authorization` header value. */
  authorization?: string;
  /** Raw API key (header or query parameter). */
  apiKey?: string;
  /** An identity the gateway authenticated that is not a token: a Kong consumer, an OTel end user. */
  authenticated?: Credential;
  /** Envoy `%DOWNSTREAM_PEER_URI_SAN%`: the client certificate's URI SANs, comma-joined. */
  peerUriSans?: string;
  /** `x-forwarded-client-cert` as set by Envoy. */
  forwardedClientCert?: string;
  /** Client certificate subject DN (NGINX `$ssl_client_s_dn`, Traefik `TLSClientSubject`). */
  clientCertSubject?: string;
  /** Basic-auth user the proxy saw (NGINX `$remote_user`, Traefik `ClientUsername`). */
  userName?: string;
  /** Delegation header (`x-on-behalf-of`): comma-separated, originator first. */
  onBehalfOf?: string;
  /** Used when nothing above names the caller (OTLP: the calling service). */
  fallback?: Credential;
  ip?: string;
};

export type Identity = {
  credential: Credential;
  /** Originator first; absent when the request names no delegation. */
  delegation?: string[];
  /** The caller's SPIFFE ID (mTLS), the best name for its workload. */
  spiffeId?: string;
  /** The token's current actor (RFC 8693 outermost `act.sub`): who is making this call, on the subject's behalf. */
  actor?: string;
  /** Which evidence named the credential, in words. */
  basis: string;
};

const spiffeScheme = 'spiffe://';
const xfccUri = /(?:^|;)URI=("?)([^;,"]+)\1/;

export function apiKeyCredential(key: string): Credential {
  return credentialOf(`key:${secretFingerprint(key)}`, 'api_key');
}

/** The SPIFFE ID among comma-joined URI SANs (Envoy joins several with a comma), else the first SAN. */
export function spiffeFromSans(sans: string): string | undefined {
  let first: string | undefined;
  // SANs found by their commas rather than by split: most certificates carry one, which needs no array.
  for (let start = 0; start <= sans.length; ) {
    const comma = sans.indexOf(',', start);
    const end = comma < 0 ? sans.length : comma;
    const san = sans.slice(start, end).trim();
    if (san.startsWith(spiffeScheme)) return san;
    if (first === undefined && san.length > 0) first = san;
    start = end + 1;
  }
  return first;
}

/** The URI SAN of the nearest client in an `x-forwarded-client-cert` value (its last element). */
export function spiffeFromForwardedClientCert(xfcc: string): string | undefined {
  const nearest = xfcc.slice(xfcc.lastIndexOf(',') + 1);
  return xfccUri.exec(nearest)?.[2];
}

type NamedCredential = { credential: Credential; claims?: JwtClaims; basis: string };
type AuthorizationSecret = { scheme: string; token: string };

/** Schemes whose credential is a token that may be a JWT. */
const tokenSchemes = new Set(['', 'bearer', 'dpop']);

function parseAuthorization(value: string): AuthorizationSecret | undefined {
  const space = value.indexOf(' ');
  const scheme = space > 0 ? value.slice(0, space).toLowerCase() : '';
  const token = space > 0 ? value.slice(space + 1).trim() : value.trim();
  return token.length === 0 ? undefined : { scheme, token };
}

/** The user of `Basic base64(user:password)`; without a colon there is no user, only a secret. */
function basicUser(token: string): string | undefined {
  const decoded = Buffer.from(token, 'base64').toString();
  const colon = decoded.indexOf(':');
  return colon > 0 ? decoded.slice(0, colon) : undefined;
}

function fromAuthorization({ scheme, token }: AuthorizationSecret): NamedCredential {
  if (tokenSchemes.has(scheme)) {
    const claims = decodeJwtPayload(token);
    if (claims) return { credential: jwtCredential(claims, token), claims, basis: basis.presentedJwt };
  }
  const subject = scheme === 'basic' ? basicUser(token) : undefined;
  const credential = credentialOf(`key:${secretFingerprint(token)}`, 'api_key', { subject });
  return { credential, basis: basis.authorizationSecret };
}

function fromTokens(evidence: IdentityEvidence): NamedCredential | undefined {
  const secret =
    evidence.authorization === undefined ? undefined : parseAuthorization(evidence.authorization);
  const verified = evidence.jwtClaims === undefined ? undefined : claimsFromMetadata(evidence.jwtClaims);
  if (verified) {
    return { credential: jwtCredential(verified, secret?.token), claims: verified, basis: basis.verifiedJwt };
  }
  const presented = secret === undefined ? undefined : fromAuthorization(secret);
  if (presented?.claims) return presented;
  if (evidence.authenticated) return { credential: evidence.authenticated, basis: basis.authenticated };
  if (evidence.apiKey !== undefined) {
    return { credential: apiKeyCredential(evidence.apiKey), basis: basis.apiKey };
  }
  return presented;
}

function fromPeer(evidence: IdentityEvidence, spiffeId: string | undefined): NamedCredential {
  if (spiffeId !== undefined) {
    return { credential: credentialOf(spiffeId, 'mtls', { subject: spiffeId }), basis: basis.spiffe };
  }
  if (evidence.clientCertSubject !== undefined) {
    const subject = evidence.clientCertSubject;
    return {
      credential: credentialOf(`x509:${subject}`, 'mtls', { subject }),
      basis: basis.certificate,
    };
  }
  if (evidence.userName !== undefined) {
    const { userName } = evidence;
    return {
      credential: credentialOf(`user:${userName}`, 'unknown', { subject: userName }),
      basis: basis.userName,
    };
  }
  if (evidence.fallback) return { credential: evidence.fallback, basis: basis.fallback };
  const id = evidence.ip === undefined ? 'anonymous' : `anonymous:${evidence.ip}`;
  return { credential: credentialOf(id, 'unknown'), basis: basis.anonymous };
}

/** Why a credential was chosen, strongest evidence first (what `hopwatch explain` prints). */
const basis = {
  verifiedJwt: 'JWT claims the gateway verified (jwt_authn metadata / authenticated claims)',
  presentedJwt:
    'a bearer JWT in the Authorization header: claims read, signature not checked by hopwatch, token fingerprinted',
  authenticated: 'an identity the gateway authenticated (Kong consumer, OTel enduser)',
  apiKey: 'an API key header, fingerprinted (sha256 prefix)',
  authorizationSecret: 'an opaque Authorization secret, fingerprinted (sha256 prefix)',
  spiffe: 'the mTLS peer certificate (SPIFFE ID)',
  certificate: 'the client certificate subject',
  userName: 'the user name the gateway logged',
  fallback: 'the calling service, as nothing stronger names the caller',
  anonymous: 'nothing names the caller: anonymous, by network address',
} as const;

function delegationOf(credential: Credential, actors: string[], onBehalfOf?: string) {
  if (actors.length > 0) return [credential.id, ...actors];
  if (onBehalfOf === undefined) return undefined;
  const chain = onBehalfOf
    .split(',')
    .map((party) => party.trim())
    .filter((party) => party.length > 0);
  if (chain.length === 0) return undefined;
  if (chain[chain.length - 1] !== credential.id) chain.push(credential.id);
  return chain;
}

/**
 * Picks the credential of a hop from the evidence, strongest first: a verified or presented JWT, an
 * identity the gateway authenticated, an API key, another Authorization secret, the mTLS peer, then
 * whatever is left. The delegation chain comes from the JWT `act` claims or the on-behalf-of header.
 */
export function resolveIdentity(evidence: IdentityEvidence): Identity {
  const spiffeId =
    (evidence.peerUriSans === undefined ? undefined : spiffeFromSans(evidence.peerUriSans)) ??
    (evidence.forwardedClientCert === undefined
      ? undefined
      : spiffeFromForwardedClientCert(evidence.forwardedClientCert));
  const token = fromTokens(evidence);
  const { credential, basis } = token ?? fromPeer(evidence, spiffeId);
  const identity: Identity = { credential, basis };
  const actors = token?.claims === undefined ? [] : jwtActors(token.claims);
  const delegation = delegationOf(credential, actors, evidence.onBehalfOf);
  if (delegation) identity.delegation = delegation;
  if (actors.length > 0) identity.actor = actors[actors.length - 1];
  if (spiffeId !== undefined) identity.spiffeId = spiffeId;
  return identity;
}
