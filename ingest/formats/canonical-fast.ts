import type { Credential, HopDestination, HopEvent, HopOrigin, HopSource } from '../../schemas/hop-event.js';
import { credentialKinds, protocols } from '../../schemas/hop-event.js';
import { isObject, type JsonObject } from './values.js';

/**
 * The hot path of the canonical adapter: a record that is exactly a well-formed HopEvent is copied
 * field by field into the object zod would return (known keys only, in schema order, defaults filled),
 * without zod's per-field machinery. Anything unusual gives undefined, and the caller lets zod judge
 * it, so the accepted records, their output and every rejection reason stay zod's.
 */
export type CanonicalInput = Omit<HopEvent, 'origin'> & { origin?: Partial<HopOrigin> };

const kinds: ReadonlySet<string> = new Set(credentialKinds);
const protocolNames: ReadonlySet<string> = new Set(protocols);
const unset = Symbol('unset');
type Field<T> = T | typeof unset | undefined;

const isString = (value: unknown): value is string => typeof value === 'string';
const isFilled = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isMeasure = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0;

/** An optional field: absent → undefined, valid → the value, present but invalid → unset (zod decides). */
function optional<T>(value: unknown, valid: (value: unknown) => value is T): Field<T> {
  if (value === undefined) return undefined;
  return valid(value) ? value : unset;
}

function stringArray(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  for (const item of value) if (typeof item !== 'string') return undefined;
  return value as string[];
}

function credentialOf(value: unknown): Credential | undefined {
  if (!isObject(value) || !isFilled(value.id) || !isString(value.kind) || !kinds.has(value.kind))
    return undefined;
  const subject = optional(value.subject, isString);
  const issuer = optional(value.issuer, isString);
  const scopes = value.scopes === undefined ? [] : stringArray(value.scopes);
  const jti = optional(value.jti, isString);
  if (subject === unset || issuer === unset || scopes === undefined || jti === unset) return undefined;
  const credential = { id: value.id, kind: value.kind } as Credential;
  if (subject !== undefined) credential.subject = subject;
  if (issuer !== undefined) credential.issuer = issuer;
  credential.scopes = scopes;
  if (jti !== undefined) credential.jti = jti;
  return credential;
}

function sourceOf(value: unknown): HopSource | undefined {
  if (value === undefined) return {};
  if (!isObject(value)) return undefined;
  const source: HopSource = {};
  for (const key of ['workload', 'agent', 'ip'] as const) {
    const field = optional(value[key], isString);
    if (field === unset) return undefined;
    if (field !== undefined) source[key] = field;
  }
  return source;
}

function destinationOf(value: unknown): HopDestination | undefined {
  if (!isObject(value) || !isFilled(value.service) || !isFilled(value.method) || !isString(value.path))
    return undefined;
  if (!isString(value.protocol) || !protocolNames.has(value.protocol)) return undefined;
  const host = optional(value.host, isString);
  const route = optional(value.route, isString);
  const tool = optional(value.tool, isString);
  if (host === unset || route === unset || tool === unset) return undefined;
  const destination = { service: value.service } as HopDestination;
  if (host !== undefined) destination.host = host;
  destination.method = value.method;
  destination.path = value.path;
  if (route !== undefined) destination.route = route;
  if (tool !== undefined) destination.tool = tool;
  destination.protocol = value.protocol as HopDestination['protocol'];
  return destination;
}

function originOf(value: unknown): Partial<HopOrigin> | undefined | typeof unset {
  if (value === undefined) return undefined;
  if (!isObject(value)) return unset;
  const format = optional(value.format, isFilled);
  const topic = optional(value.topic, isString);
  const partition = optional(value.partition, isCount);
  const offset = optional(value.offset, isString);
  if (format === unset || topic === unset || partition === unset || offset === unset) return unset;
  const origin: Partial<HopOrigin> = {};
  if (format !== undefined) origin.format = format;
  if (topic !== undefined) origin.topic = topic;
  if (partition !== undefined) origin.partition = partition;
  if (offset !== undefined) origin.offset = offset;
  return origin;
}

const optionalStrings = ['traceId', 'spanId', 'parentSpanId', 'requestId'] as const;

/** The parsed HopEvent of a well-formed record, or undefined to let zod judge it. */
export function wellFormedHop(value: JsonObject): CanonicalInput | undefined {
  if (!isFilled(value.id) || !isCount(value.ts) || !isCount(value.status)) return undefined;
  const durationMs = optional(value.durationMs, isMeasure);
  const credential = credentialOf(value.credential);
  const delegation = value.delegation === undefined ? undefined : stringArray(value.delegation);
  const source = sourceOf(value.source);
  const destination = destinationOf(value.destination);
  const rawStatus = optional(value.rawStatus, isString);
  const bytesIn = optional(value.bytesIn, isMeasure);
  const bytesOut = optional(value.bytesOut, isMeasure);
  const origin = originOf(value.origin);
  if (durationMs === unset || credential === undefined || source === undefined || destination === undefined)
    return undefined;
  if (value.delegation !== undefined && delegation === undefined) return undefined;
  if (rawStatus === unset || bytesIn === unset || bytesOut === unset || origin === unset) return undefined;
  const hop = { id: value.id, ts: value.ts } as CanonicalInput;
  if (durationMs !== undefined) hop.durationMs = durationMs;
  for (const key of optionalStrings) {
    const field = optional(value[key], isString);
    if (field === unset) return undefined;
    if (field !== undefined) hop[key] = field;
  }
  hop.credential = credential;
  if (delegation !== undefined) hop.delegation = delegation;
  hop.source = source;
  hop.destination = destination;
  hop.status = value.status;
  if (rawStatus !== undefined) hop.rawStatus = rawStatus;
  if (bytesIn !== undefined) hop.bytesIn = bytesIn;
  if (bytesOut !== undefined) hop.bytesOut = bytesOut;
  if (origin !== undefined) hop.origin = origin;
  return hop;
}
