import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { PubsubPushConfig } from './config.js';

/** What checking a credential another party issued concludes (see FastifyContextConfig.verifyOther). */
export type OtherCredential = 'valid' | 'invalid' | 'unavailable';

const googleIssuers = ['https://accounts.google.com', 'accounts.google.com'];

/** Errors that say the token is wrong; any other (the keys could not be fetched or read) says nothing of it. */
const tokenErrors = [
  errors.JWTClaimValidationFailed,
  errors.JWTExpired,
  errors.JWTInvalid,
  errors.JWSInvalid,
  errors.JWSSignatureVerificationFailed,
  errors.JOSEAlgNotAllowed,
  errors.JOSENotSupported,
  errors.JWKSNoMatchingKey,
  errors.JWKSMultipleMatchingKeys,
];

/**
 * Checks the OIDC token a Pub/Sub push subscription with authentication sends: signed by one of
 * Google's keys (fetched from `jwksUrl`, then cached), issued by Google for `audience`, to the
 * subscription's service account, its email verified. Keys that cannot be fetched make the answer
 * `unavailable` (503: Pub/Sub delivers again later), not `invalid`.
 */
export function googleOidcVerifier(config: PubsubPushConfig): (token: string) => Promise<OtherCredential> {
  const keys = createRemoteJWKSet(new URL(config.jwksUrl));
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: googleIssuers,
        audience: config.audience,
        algorithms: ['RS256'],
      });
      return payload.email === config.serviceAccount && payload.email_verified === true ? 'valid' : 'invalid';
    } catch (error) {
      return tokenErrors.some((kind) => error instanceof kind) ? 'invalid' : 'unavailable';
    }
  };
}
