import { headerText, isObject, type JsonObject } from './values.js';

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

/**
 * The keys of a format that logs request headers by their lower-case names (Kong, API Management);
 * the API key's header is the gateway's own.
 */
export function lowerCaseHeaderKeys(apiKey: readonly string[]): HeaderKeys {
  return {
    traceparent: ['traceparent'],
    b3: ['b3'],
    b3TraceId: ['x-b3-traceid'],
    b3SpanId: ['x-b3-spanid'],
    b3ParentSpanId: ['x-b3-parentspanid'],
    authorization: ['authorization'],
    apiKey,
    agent: ['x-hopwatch-agent', 'x-agent-id'],
    onBehalfOf: ['x-on-behalf-of'],
    mcpMethod: ['mcp-method'],
    mcpName: ['mcp-name'],
    mcpSession: ['mcp-session-id'],
    contentType: ['content-type'],
  };
}

/** A logged map of request headers with its names lower-cased, as the keys above spell them. */
export function lowerCaseNames(value: unknown): JsonObject {
  const headers: JsonObject = {};
  if (isObject(value))
    for (const [name, header] of Object.entries(value)) headers[name.toLowerCase()] = header;
  return headers;
}

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

/** Where a record key puts its value: which header, and how early the key comes in that header's list. */
type HeaderSlot = { name: HeaderName; index: number; rank: number };

/**
 * Reads one format's request headers: walks the record's own keys once and keeps, per header, the
 * usable value of the key listed first. Looking every listed key up instead cost about twice as much
 * (most are absent from any one record, and a miss searches the record and its prototype).
 */
export function headerReader(keys: HeaderKeys): (record: JsonObject) => RequestHeaders {
  const slots = new Map<string, HeaderSlot>();
  headerNames.forEach((name, index) => {
    keys[name].forEach((key, rank) => {
      if (slots.has(key)) throw new Error(`header key ${key} is listed twice`);
      slots.set(key, { name, index, rank });
    });
  });
  // Ranks of the values taken so far, per header; reset for every record (reading is synchronous).
  const taken = new Int8Array(headerNames.length);
  return (record) => {
    const headers = noHeaders();
    taken.fill(-1);
    for (const key in record) {
      const slot = slots.get(key);
      if (slot === undefined) continue;
      const before = taken[slot.index]!;
      if (before >= 0 && before < slot.rank) continue;
      const value = headerText(record[key]);
      if (value === undefined || value === redacted) continue;
      headers[slot.name] = value;
      taken[slot.index] = slot.rank;
    }
    return headers;
  };
}
