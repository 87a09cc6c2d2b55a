/** Trace context of one hop, as far as the log tells it. */
export type TraceContext = {
  traceId?: string;
  /** The hop's own span, when the log names it. */
  spanId?: string;
  /** The span of the caller's operation this hop belongs under. */
  parentSpanId?: string;
};

/** Raw trace headers of one request; any may be missing. */
export type TraceHeaders = {
  traceparent?: string;
  b3?: string;
  b3TraceId?: string;
  b3SpanId?: string;
  b3ParentSpanId?: string;
};

function isLowerHex(text: string, from: number, to: number): boolean {
  for (let at = from; at < to; at++) {
    const code = text.charCodeAt(at);
    if (!((code >= 48 && code <= 57) || (code >= 97 && code <= 102))) return false;
  }
  return true;
}

function isZeroes(text: string, from: number, to: number): boolean {
  for (let at = from; at < to; at++) if (text.charCodeAt(at) !== 48) return false;
  return true;
}

/** `text[from, to)` is a valid id: lowercase hex, not all zeroes. */
function isHexId(text: string, from: number, to: number): boolean {
  return isLowerHex(text, from, to) && !isZeroes(text, from, to);
}

function hexId(value: string | undefined, lengths: readonly number[]): string | undefined {
  if (value === undefined) return undefined;
  // As most proxies pass ids: nothing to trim or lowercase, and no copy made to find that out.
  if (lengths.includes(value.length) && isHexId(value, 0, value.length)) return value;
  const id = value.trim().toLowerCase();
  return lengths.includes(id.length) && isHexId(id, 0, id.length) ? id : undefined;
}

const w3cTraceId = [32] as const;
const b3TraceId = [16, 32] as const;
const spanIdLength = [16] as const;

/**
 * W3C `traceparent` (`00-<32 hex trace>-<16 hex parent-id>-<flags>`). The parent-id is the caller's
 * span for this request, so it becomes the hop's parent; invalid values give nothing.
 */
export function parseTraceparent(value: string): TraceContext | undefined {
  const text = value.trim().toLowerCase();
  // Fields found by their dashes rather than by split: an array and five strings for every header
  // cost about three times the rest.
  const first = text.indexOf('-');
  const second = first < 0 ? -1 : text.indexOf('-', first + 1);
  const third = second < 0 ? -1 : text.indexOf('-', second + 1);
  if (third < 0) return undefined;
  const version = text.slice(0, first);
  if (version.length !== 2 || version === 'ff' || !isLowerHex(version, 0, 2)) return undefined;
  // Version 00 has exactly four fields; later versions may append more.
  if (version === '00' && text.indexOf('-', third + 1) >= 0) return undefined;
  const traceId = hexId(text.slice(first + 1, second), w3cTraceId);
  const parentSpanId = hexId(text.slice(second + 1, third), spanIdLength);
  if (traceId === undefined || parentSpanId === undefined) return undefined;
  return { traceId, parentSpanId };
}

/**
 * B3 ids. B3 shares one span between the client and the server of a call (Zipkin's model), so the
 * propagated SpanId is this hop's own span and ParentSpanId the caller's. 64-bit trace ids are
 * left-padded so that they equal the 128-bit form of the same trace.
 */
function b3Context(traceId: string | undefined, spanId: string | undefined, parentSpanId?: string) {
  const trace = hexId(traceId, b3TraceId);
  const span = hexId(spanId, spanIdLength);
  if (trace === undefined || span === undefined) return undefined;
  const parent = hexId(parentSpanId, spanIdLength);
  const context: TraceContext = { traceId: trace.padStart(32, '0'), spanId: span };
  if (parent !== undefined) context.parentSpanId = parent;
  return context;
}

/** B3 single header (`{TraceId}-{SpanId}[-{Sampled}[-{ParentSpanId}]]`); a bare sampling flag gives nothing. */
export function parseB3Single(value: string): TraceContext | undefined {
  // Fields found by their dashes rather than by split, which costs more than the rest together.
  const first = value.indexOf('-');
  if (first < 0) return undefined;
  const second = value.indexOf('-', first + 1);
  const third = second < 0 ? -1 : value.indexOf('-', second + 1);
  const fourth = third < 0 ? -1 : value.indexOf('-', third + 1);
  const parent = third < 0 ? undefined : value.slice(third + 1, fourth < 0 ? undefined : fourth);
  return b3Context(value.slice(0, first), value.slice(first + 1, second < 0 ? undefined : second), parent);
}

/**
 * The trace context of a request from whichever headers the log kept: `traceparent` first, then the
 * single `b3` header, then the `x-b3-*` set. Invalid values are ignored, never an error.
 */
export function traceContextFromHeaders(headers: TraceHeaders): TraceContext {
  const fromTraceparent =
    headers.traceparent === undefined ? undefined : parseTraceparent(headers.traceparent);
  if (fromTraceparent) return fromTraceparent;
  const fromB3 = headers.b3 === undefined ? undefined : parseB3Single(headers.b3);
  if (fromB3) return fromB3;
  return b3Context(headers.b3TraceId, headers.b3SpanId, headers.b3ParentSpanId) ?? {};
}

/** X-Ray's root, bare (`1-<8 hex>-<24 hex>`) or in a trace header (`Self=…;Root=1-…;Parent=…`), never its `Self`. */
const xrayRoot = /(?:^|;)\s*(?:Root=)?1-([0-9a-f]{8})-([0-9a-f]{24})\s*(?:;|$)/;

/** The W3C trace id an X-Ray trace id maps to (its time and random parts, as AWS's OpenTelemetry tools map it). */
export function xrayTraceId(value: string | undefined): string | undefined {
  const match = value === undefined ? null : xrayRoot.exec(value);
  return match === null ? undefined : `${match[1]}${match[2]}`;
}
