import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
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

/** The headers of one attempt: signed afresh, with the same delivery id every time. */
export function deliveryHeaders(
  secret: string,
  deliveryId: string,
  body: string,
  now: number,
  userAgent: string,
): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'User-Agent': userAgent,
    [SIGNATURE_HEADER]: signatureHeader(secret, Math.floor(now / 1000), body),
    [DELIVERY_HEADER]: deliveryId,
  };
}

/** `hopwatch/<package version>`; the source runs from alerts/, the build from dist/alerts/. */
export function hopwatchUserAgent(): string {
  for (const candidate of ['../package.json', '../../package.json']) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(candidate, import.meta.url), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (manifest.name === 'hopwatch' && typeof manifest.version === 'string')
        return `hopwatch/${manifest.version}`;
    } catch {
      // not this one: try the next candidate
    }
  }
  return 'hopwatch/unknown';
}
