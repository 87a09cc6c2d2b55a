import { headerText, type JsonObject } from './values.js';

/** The request headers (or, in OTLP, attributes) that say who is calling, in which trace, for which tool. */
const headerNames = [
  'traceparent',
  'b3',
  'b3TraceId',
  'b3SpanId',
  'b3ParentSpanId',
  'authorization',
  'apiKey',
  'agent',
  'onBehalfOf',
  'mcpMethod',
  'mcpName',
  'mcpSession',
  'contentType',
] as const;

export type HeaderName = (typeof headerNames)[number];
export type RequestHeaders = Partial<Record<HeaderName, string>>;
/** Where each header sits in one format's record: the keys to try, first match wins. */
export type HeaderKeys = Record<HeaderName, readonly string[]>;

/** What a log writes for a header it was told to hide (Traefik's redact mode); it names nobody. */
const redacted = 'REDACTED';

/** `x-service-name` as log keys spell it: `x_service_name`. */
export function snakeCase(header: string): string {
  return header.replaceAll('-', '_');
}

/** `x-service-name` as Go (Traefik) spells it: `X-Service-Name`. */
export function canonicalCase(header: string): string {
  return header.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());
}

/**
 * Headers with every name present, undefined until set: one object shape for every record's headers
 * whatever the format, which several readers downstream look up. Fill it by assignment.
 */
export function noHeaders(): RequestHeaders {
  return {
    traceparent: undefined,
    b3: undefined,
    b3TraceId: undefined,
    b3SpanId: undefined,
    b3ParentSpanId: undefined,
    authorization: undefined,
    apiKey: undefined,
    agent: undefined,
    onBehalfOf: undefined,
    mcpMethod: undefined,
    mcpName: undefined,
    mcpSession: undefined,
    contentType: undefined,
  };
}

export function readRequestHeaders(record: JsonObject, keys: HeaderKeys): RequestHeaders {
  const headers = noHeaders();
  for (const name of headerNames) {
    for (const key of keys[name]) {
      const value = headerText(record[key]);
      if (value !== undefined && value !== redacted) {
        headers[name] = value;
        break;
      }
    }
  }
  return headers;
}
