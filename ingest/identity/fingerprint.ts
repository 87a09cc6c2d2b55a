import { hash } from 'node:crypto';

/** First 16 hex of the SHA-256 of a secret: stable, groupable, and useless to an attacker. */
export function secretFingerprint(secret: string): string {
  return hash('sha256', secret, 'hex').slice(0, 16);
}
