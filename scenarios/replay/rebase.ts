import { isObject, type JsonObject as Json } from '../../common/json.js';
import { isoToMs } from '../../ingest/formats/time.js';

/**
 * The record with every event time moved by `offsetMs`, for the JSON formats whose time fields replay
 * knows: canonical `ts`, Envoy/Istio JSON `start_time`, Kong `started_at` (one entry or a batch) and
 * OTLP span start/end. Other records (text formats, NGINX, Traefik) give undefined and go out unchanged.
 */
export function rebaseRecord(raw: string, format: string | undefined, offsetMs: number): string | undefined {
  const shift = shifters[format ?? ''];
  if (shift === undefined || (!raw.startsWith('{') && !raw.startsWith('['))) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  return shift(value, offsetMs) ? JSON.stringify(value) : undefined;
}

const shifters: Record<string, (value: unknown, offsetMs: number) => boolean> = {
  canonical: (value, offsetMs) => shiftNumber(value, 'ts', offsetMs),
  envoy: (value, offsetMs) => {
    if (!isObject(value) || typeof value.start_time !== 'string') return false;
    const ms = isoToMs(value.start_time);
    if (Number.isNaN(ms)) return false;
    value.start_time = new Date(ms + offsetMs).toISOString();
    return true;
  },
  kong: (value, offsetMs) =>
    Array.isArray(value)
      ? value.every((entry) => shiftNumber(entry, 'started_at', offsetMs))
      : shiftNumber(value, 'started_at', offsetMs),
  otlp: (value, offsetMs) => {
    if (!isObject(value) || !Array.isArray(value.resourceSpans)) return false;
    const nanos = BigInt(Math.round(offsetMs)) * 1_000_000n;
    for (const resource of value.resourceSpans) {
      for (const scope of isObject(resource) && Array.isArray(resource.scopeSpans)
        ? resource.scopeSpans
        : []) {
        for (const span of isObject(scope) && Array.isArray(scope.spans) ? scope.spans : []) {
          if (!isObject(span)) continue;
          shiftNanos(span, 'startTimeUnixNano', nanos);
          shiftNanos(span, 'endTimeUnixNano', nanos);
        }
      }
    }
    return true;
  },
};

function shiftNumber(value: unknown, key: string, offsetMs: number): boolean {
  if (!isObject(value) || typeof value[key] !== 'number') return false;
  value[key] = (value[key] as number) + offsetMs;
  return true;
}

const digits = /^\d+$/;

function shiftNanos(span: Json, key: string, nanos: bigint): void {
  const value = span[key];
  if (typeof value === 'string' && digits.test(value)) span[key] = (BigInt(value) + nanos).toString();
  else if (typeof value === 'number') span[key] = value + Number(nanos);
}
