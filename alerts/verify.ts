// Receivers import this file alone: it depends on node:crypto only.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export type VerifyOptions = {
  /** Largest accepted distance between the signed timestamp and now, either way. Default 300. */
  toleranceSeconds?: number;
  /** Current time (epoch milliseconds or a Date); default the system clock. */
  now?: number | Date;
};

/** Hex HMAC-SHA256 of `<t>.<raw body>`: the `v1` value of X-Hopwatch-Signature. */
export function hopwatchSignature(
  secret: string,
  timestampSeconds: number,
  rawBody: string | Uint8Array,
): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.`).update(rawBody).digest('hex');
}

/**
 * Checks `X-Hopwatch-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]` against the exact bytes received.
 * `secret` may list several secrets while one is being rotated; any v1 matching any secret passes.
 */
export function verifyHopwatchSignature(
  secret: string | readonly string[],
  header: string | readonly string[] | null | undefined,
  rawBody: string | Uint8Array,
  options: VerifyOptions = {},
): SignatureCheck {
  if (typeof header !== 'string' || header.trim() === '') {
    return { ok: false, reason: 'missing or repeated X-Hopwatch-Signature header' };
  }
  const parsed = parseSignatureHeader(header);
  if (!parsed.ok) return parsed;
  const toleranceSeconds = options.toleranceSeconds ?? 300;
  const nowMs = options.now instanceof Date ? options.now.getTime() : (options.now ?? Date.now());
  const skewSeconds = Math.floor(nowMs / 1000) - parsed.timestamp;
  if (Math.abs(skewSeconds) > toleranceSeconds) {
    return {
      ok: false,
      reason: `signature timestamp is ${Math.abs(skewSeconds)} s in the ${skewSeconds > 0 ? 'past' : 'future'}, beyond the ${toleranceSeconds} s tolerance`,
    };
  }
  const secrets = typeof secret === 'string' ? [secret] : secret;
  for (const candidateSecret of secrets) {
    const expected = Buffer.from(hopwatchSignature(candidateSecret, parsed.timestamp, rawBody));
    for (const signature of parsed.signatures) {
      const given = Buffer.from(signature);
      if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true };
    }
  }
  return { ok: false, reason: 'no v1 signature matches the body' };
}

type ParsedHeader = { ok: true; timestamp: number; signatures: string[] } | { ok: false; reason: string };

function parseSignatureHeader(header: string): ParsedHeader {
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator < 0) return { ok: false, reason: 'malformed X-Hopwatch-Signature header' };
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value)) {
        return { ok: false, reason: 'malformed timestamp in X-Hopwatch-Signature header' };
      }
      timestamp = Number(value);
    } else if (key === 'v1') {
      signatures.push(value);
    }
  }
  if (timestamp === undefined) return { ok: false, reason: 'no timestamp in X-Hopwatch-Signature header' };
  if (signatures.length === 0) return { ok: false, reason: 'no v1 signature in X-Hopwatch-Signature header' };
  return { ok: true, timestamp, signatures };
}
