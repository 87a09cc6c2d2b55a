import type { HopEvent } from '../schemas/hop-event.js';

/**
 * The one rule set for secrets in anything hopwatch keeps: raw records kept as dead letters, and the
 * strings of a hop that come straight from a log (paths, hosts). Works on text, so it also covers
 * records that never parsed (truncated JSON, binary junk). It errs towards removing too much: what is
 * kept is for finding out what happened, not for replaying secrets.
 */

const redacted = '[REDACTED]';
const secretName = String.raw`[\w.-]*(?:authorization|api[-_]?key|apikey|cookie|token|secret|password|passwd|credential|session)[\w.-]*`;

/** `"authorization": "…"` and friends in JSON, including a value cut off by truncation. */
const jsonSecretValue = new RegExp(String.raw`("${secretName}"\s*:\s*)"(?:[^"\\]|\\.)*(?:"|$)`, 'gi');
/** OTLP attributes, plain or (captured headers) as a one-string array: `{"key":"http.request.header.x-api-key","value":…}`. */
const otlpSecretAttribute = new RegExp(
  String.raw`("key"\s*:\s*"${secretName}"\s*,\s*"value"\s*:\s*\{\s*` +
    String.raw`(?:"arrayValue"\s*:\s*\{\s*"values"\s*:\s*\[\s*\{\s*)?"stringValue"\s*:\s*)"(?:[^"\\]|\\.)*(?:"|$)`,
  'gi',
);
/** `Authorization: Bearer …`, `Cookie: …` as header text (HTTP dumps, text logs). */
const headerSecretLine =
  /\b((?:proxy-)?authorization|cookie|set-cookie|x-api-key|api-key|apikey)(\s*[:=]\s*)[^\r\n"]+/gi;
/** A credential after its auth scheme anywhere. */
const schemeToken = /\b(bearer|basic|token|apikey)(\s+)[A-Za-z0-9._~+/=-]{8,}/gi;
/** Anything shaped like a JWT (`eyJ….….…`). */
const jwtShaped = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
/**
 * Secrets in query strings: named like one (`?api_key=…&access_token=…`), Google-style `key=`, and
 * the signatures and credentials of presigned URLs (AWS, GCS, Azure SAS).
 */
const querySecret = new RegExp(
  String.raw`([?&;](?:${secretName}|key|sig|signature|x-amz-signature|x-amz-credential|x-goog-signature|x-goog-credential)=)[^&\s"';#]+`,
  'gi',
);
/** Credentials in a URL's userinfo: `https://user:pass@host`. */
const urlUserinfo = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s:@"'?#]+:[^/\s@"'?#]*@/gi;
/** Provider keys recognisable by their prefix, wherever they stand (a path segment, a free-text field). */
const providerKey = new RegExp(
  [
    String.raw`\b[sr]k_(?:live|test)_[A-Za-z0-9]{10,}`,
    String.raw`\bsk-[A-Za-z0-9_-]{20,}`,
    String.raw`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`,
    String.raw`\bgh[pousr]_[A-Za-z0-9]{30,}`,
    String.raw`\bgithub_pat_[A-Za-z0-9_]{30,}`,
    String.raw`\bxox[abprs]-[A-Za-z0-9-]{10,}`,
    String.raw`\bAIza[0-9A-Za-z_-]{35}`,
    String.raw`\bglpat-[A-Za-z0-9_-]{20,}`,
  ].join('|'),
  'g',
);
/** A cheap first look: a string with none of these cannot hold a secret the rules above find. */
// Case-sensitive, with the key patterns' word boundaries: `task-runner` or `disk_usage` must not pay for the rules.
const mayHoldSecret =
  /[?&;=@]|eyJ|\bsk-|\b[sr]k_|AKIA|ASIA|\bgh[pousr]_|github_pat_|\bxox[abprs]-|AIza|glpat-/;

export function redactRaw(raw: string): string {
  return raw
    .replace(jwtShaped, redacted)
    .replace(jsonSecretValue, `$1"${redacted}"`)
    .replace(otlpSecretAttribute, `$1"${redacted}"`)
    .replace(headerSecretLine, `$1$2${redacted}`)
    .replace(schemeToken, `$1$2${redacted}`)
    .replace(querySecret, `$1${redacted}`)
    .replace(urlUserinfo, `$1${redacted}@`)
    .replace(providerKey, redacted);
}

/** `redactRaw` for a short string kept as it is (a path, a host): untouched, and cheap, when it holds nothing secret-shaped. */
export function redactText(text: string): string {
  return mayHoldSecret.test(text) ? redactRaw(text) : text;
}

/** The URL-like strings of a hop (service, path, host, route), redacted in place: every format passes through here. */
export function redactHop(hop: HopEvent): void {
  const { destination } = hop;
  destination.service = redactText(destination.service);
  destination.path = redactText(destination.path);
  if (destination.host !== undefined) destination.host = redactText(destination.host);
  if (destination.route !== undefined) destination.route = redactText(destination.route);
}
