/**
 * Scrubs anything token-like from a raw record before it is kept as a dead letter. Works on text,
 * so it also covers records that never parsed (truncated JSON, binary junk). It errs towards
 * removing too much: a dead letter is for finding out why a record failed, not for replaying secrets.
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
/** Secrets in query strings (`?api_key=…&access_token=…`). */
const querySecret = new RegExp(String.raw`([?&;]${secretName}=)[^&\s"';#]+`, 'gi');

export function redactRaw(raw: string): string {
  return raw
    .replace(jwtShaped, redacted)
    .replace(jsonSecretValue, `$1"${redacted}"`)
    .replace(otlpSecretAttribute, `$1"${redacted}"`)
    .replace(headerSecretLine, `$1$2${redacted}`)
    .replace(schemeToken, `$1$2${redacted}`)
    .replace(querySecret, `$1${redacted}`);
}
