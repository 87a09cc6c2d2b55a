import { createHash } from 'node:crypto';
import { hopwatchSignature } from './verify.js';

export const SIGNATURE_HEADER = 'X-Hopwatch-Signature';
export const DELIVERY_HEADER = 'X-Hopwatch-Delivery';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`; a fresh timestamp on every attempt. */
export function signatureHeader(secret: string, timestampSeconds: number, rawBody: string): string {
  return `t=${timestampSeconds},v1=${hopwatchSignature(secret, timestampSeconds, rawBody)}`;
}

/**
 * Deterministic per (finding id, webhook): the outbox deduplicates on it, and receivers can too
 * (a crash between a receiver's 2xx and the outbox recording it resends the same id).
 */
export function deliveryIdFor(findingId: string, webhookName: string): string {
  return createHash('sha256').update(findingId).update('\n').update(webhookName).digest('hex').slice(0, 32);
}
