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

const hexDigits = /^[0-9a-f]+$/;
const zeroes = /^0+$/;

function hexId(value: string | undefined, lengths: readonly number[]): string | undefined {
  if (value === undefined) return undefined;
  const id = value.trim().toLowerCase();
  return lengths.includes(id.length) && hexDigits.test(id) && !zeroes.test(id) ? id : undefined;
}

const w3cTraceId = [32] as const;
const b3TraceId = [16, 32] as const;
const spanIdLength = [16] as const;

/**
 * W3C `traceparent` (`00-<32 hex trace>-<16 hex parent-id>-<flags>`). The parent-id is the caller's
 * span for this request, so it becomes the hop's parent; invalid values give nothing.
 */
export function parseTraceparent(value: string): TraceContext | undefined {
  const parts = value.trim().toLowerCase().split('-');
  if (parts.length < 4) return undefined;
  const version = parts[0]!;
  if (version.length !== 2 || version === 'ff' || !hexDigits.test(version)) return undefined;
  if (version === '00' && parts.length !== 4) return undefined;
  const traceId = hexId(parts[1], w3cTraceId);
  const parentSpanId = hexId(parts[2], spanIdLength);
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
  const parts = value.split('-');
  if (parts.length < 2) return undefined;
  return b3Context(parts[0], parts[1], parts[3]);
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
