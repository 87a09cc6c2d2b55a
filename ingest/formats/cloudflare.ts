import { credentialOf } from '../../schemas/hop-event.js';
import { headerReader, lowerCaseHeaderKeys, lowerCaseNames } from './headers.js';
import { type HopDraft, singleJsonHop } from './hop.js';
import { timestampToMs } from './time.js';
import type { FormatAdapter } from './types.js';
import { headerText, isObject, type JsonObject, numeric, text, timeValue } from './values.js';

/**
 * Cloudflare's HTTP request logs (the Logpush `http_requests` dataset) in JSON, with the fields the
 * README's job names; times in any of Logpush's `timestamp_format`s (unixnano, unix, rfc3339).
 */

/** Request headers a Logpush job's custom fields log (`RequestHeaders`), by lower-case name. */
const readHeaders = headerReader(lowerCaseHeaderKeys(['x-api-key', 'api-key']));

const timeOf = (value: unknown): number => {
  const time = timeValue(value);
  return time === undefined ? Number.NaN : timestampToMs(time);
};

/** The client certificate Cloudflare verified (API Shield mTLS), named by its SHA-256 fingerprint. */
function clientCertificate(record: JsonObject) {
  const fingerprint = text(record.ClientMTLSAuthCertFingerprint);
  if (fingerprint === undefined || text(record.ClientMTLSAuthStatus) !== 'ok') return undefined;
  return credentialOf(`x509-sha256:${fingerprint}`, 'mtls', { subject: fingerprint });
}

function cloudflareDraft(record: JsonObject): HopDraft | string {
  const ts = timeOf(record.EdgeStartTimestamp);
  if (Number.isNaN(ts)) return 'EdgeStartTimestamp is missing or not a time';
  const end = timeOf(record.EdgeEndTimestamp);
  const headers = lowerCaseNames(record.RequestHeaders);
  const ip = text(record.ClientIP);
  const userAgent = text(record.ClientRequestUserAgent);
  return {
    ts,
    durationMs: Number.isNaN(end) ? undefined : end - ts,
    method: text(record.ClientRequestMethod),
    target: text(record.ClientRequestURI),
    authority: text(record.ClientRequestHost),
    status: numeric(record.EdgeResponseStatus),
    hopId: text(record.RayID),
    requestId: text(record.RayID),
    headers: readHeaders(headers),
    header: (name) => (name === 'user-agent' ? userAgent : headerText(headers[name])),
    identity: { authenticated: clientCertificate(record), ip },
    ip,
    bytesIn: numeric(record.ClientRequestBytes),
    bytesOut: numeric(record.EdgeResponseBytes),
  };
}

const format = { name: 'cloudflare', record: 'a Cloudflare HTTP request log record' };

/** Cloudflare HTTP request logs (Logpush `http_requests`). */
export const cloudflare: FormatAdapter = {
  name: 'cloudflare',
  signature: 'a JSON object with `RayID` and `EdgeStartTimestamp` (Cloudflare Logpush http_requests)',
  detect: (record) =>
    record.kind === 'json' &&
    isObject(record.value) &&
    'RayID' in record.value &&
    'EdgeStartTimestamp' in record.value,
  toHopEvents: (record, context) => singleJsonHop(record, context, format, cloudflareDraft),
};
