import { isObject } from '../../common/json.js';
import { type Credential, credentialOf } from '../../schemas/hop-event.js';
import { secretFingerprint } from './fingerprint.js';

/** The claims of a JWT, decoded without checking the signature (the gateway did, or nobody will). */
export type JwtClaims = Record<string, unknown>;

const maxActorDepth = 32;

const isClaims: (value: unknown) => value is JwtClaims = isObject;

function claimString(claims: JwtClaims, name: string): string | undefined {
  const value = claims[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** The payload of a compact JWS (`header.payload.signature`); anything else (JWE, garbage) gives nothing. */
export function decodeJwtPayload(token: string): JwtClaims | undefined {
  const firstDot = token.indexOf('.');
  const secondDot = token.indexOf('.', firstDot + 1);
  if (firstDot <= 0 || secondDot < 0 || token.indexOf('.', secondDot + 1) >= 0) return undefined;
  try {
    const payload: unknown = JSON.parse(
      Buffer.from(token.slice(firstDot + 1, secondDot), 'base64url').toString(),
    );
    return isClaims(payload) ? payload : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Claims a gateway put into its log (Envoy jwt_authn dynamic metadata): an object, its JSON text
 * (string-typed json_format), or either wrapped once under the `payload_in_metadata` key.
 */
export function claimsFromMetadata(value: unknown): JwtClaims | undefined {
  let claims: unknown = value;
  if (typeof claims === 'string') {
    if (!claims.startsWith('{')) return undefined;
    try {
      claims = JSON.parse(claims);
    } catch {
      return undefined;
    }
  }
  if (!isClaims(claims)) return undefined;
  if ('sub' in claims || 'iss' in claims) return claims;
  const inner = Object.values(claims);
  return inner.length === 1 && isClaims(inner[0]) ? inner[0] : undefined;
}

function splitScopes(value: unknown): string[] {
  if (typeof value === 'string') {
    const scopes = value.split(' ');
    // Only doubled, leading or trailing spaces leave empty entries: most values are copied no second time.
    return scopes.includes('') ? scopes.filter((scope) => scope.length > 0) : scopes;
  }
  if (Array.isArray(value)) return value.filter((scope): scope is string => typeof scope === 'string');
  return [];
}

/** OAuth scopes from `scope` (space-separated), `scp` (array or string) or `scopes` (array). */
export function jwtScopes(claims: JwtClaims): string[] {
  if (claims.scope !== undefined) return splitScopes(claims.scope);
  if (claims.scp !== undefined) return splitScopes(claims.scp);
  return splitScopes(claims.scopes);
}

/**
 * The credential a JWT stands for: `jwt:<iss>|<sub>` (client_id or azp when there is no sub), so that
 * every token of one identity groups together; a token with neither is named by its fingerprint.
 */
export function jwtCredential(claims: JwtClaims, token: string | undefined): Credential {
  const issuer = claimString(claims, 'iss');
  const subject =
    claimString(claims, 'sub') ?? claimString(claims, 'client_id') ?? claimString(claims, 'azp');
  let id = `jwt:${issuer ?? ''}|${subject ?? ''}`;
  if (issuer === undefined && subject === undefined) {
    id = token === undefined ? 'jwt:#unidentified' : `jwt:#${secretFingerprint(token)}`;
  }
  return credentialOf(id, 'jwt', {
    subject,
    issuer,
    scopes: jwtScopes(claims),
    jti: claimString(claims, 'jti'),
  });
}

/**
 * RFC 8693 actors, oldest first. The outermost `act` is the current actor and each nested `act` an
 * earlier one, so walking inward and reversing gives the order in which they acted.
 */
export function jwtActors(claims: JwtClaims): string[] {
  const newestFirst: string[] = [];
  let actor = claims.act;
  while (isClaims(actor) && newestFirst.length < maxActorDepth) {
    const subject = claimString(actor, 'sub') ?? claimString(actor, 'client_id');
    if (subject !== undefined) newestFirst.push(subject);
    actor = actor.act;
  }
  return newestFirst.reverse();
}
