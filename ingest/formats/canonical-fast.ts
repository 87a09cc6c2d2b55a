import type { Credential, HopDestination, HopEvent, HopOrigin, HopSource } from '../../schemas/hop-event.js';
import { credentialKinds, credentialOf, protocols } from '../../schemas/hop-event.js';
import { type PathStep, type ResolvedHop, resolvedHopOf } from '../../schemas/resolved-hop.js';
import { isObject, type JsonObject } from './values.js';

/**
 * The hot path of the canonical adapter: a record that is exactly a well-formed HopEvent is copied
 * field by field into the object zod would return (known keys only, in schema order, defaults filled),
 * without zod's per-field machinery. Every optional key is present, undefined when the record leaves
 * it out: all hops share one shape, so the code that reads them downstream stays monomorphic.
 * Anything unusual gives undefined, and the caller lets zod judge it, so the accepted records, their
 * output and every rejection reason stay zod's.
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

function credentialIn(value: unknown): Credential | undefined {
  if (!isObject(value) || !isFilled(value.id) || !isString(value.kind) || !kinds.has(value.kind))
    return undefined;
  const subject = optional(value.subject, isString);
  const issuer = optional(value.issuer, isString);
  const scopes = value.scopes === undefined ? [] : stringArray(value.scopes);
  const jti = optional(value.jti, isString);
  if (subject === unset || issuer === unset || scopes === undefined || jti === unset) return undefined;
  return credentialOf(value.id, value.kind as Credential['kind'], { subject, issuer, scopes, jti });
}

function sourceOf(value: unknown): HopSource | undefined {
  if (value === undefined) return { workload: undefined, agent: undefined, ip: undefined };
  if (!isObject(value)) return undefined;
  const workload = optional(value.workload, isString);
  const agent = optional(value.agent, isString);
  const ip = optional(value.ip, isString);
  if (workload === unset || agent === unset || ip === unset) return undefined;
  return { workload, agent, ip };
}

function destinationOf(value: unknown): HopDestination | undefined {
  if (!isObject(value) || !isFilled(value.service) || !isFilled(value.method) || !isString(value.path))
    return undefined;
  if (!isString(value.protocol) || !protocolNames.has(value.protocol)) return undefined;
  const host = optional(value.host, isString);
  const route = optional(value.route, isString);
  const tool = optional(value.tool, isString);
  if (host === unset || route === unset || tool === unset) return undefined;
  const protocol = value.protocol as HopDestination['protocol'];
  return { service: value.service, host, method: value.method, path: value.path, route, tool, protocol };
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

/** The parsed HopEvent of a well-formed record, or undefined to let zod judge it. */
export function wellFormedHop(value: JsonObject): CanonicalInput | undefined {
  if (!isFilled(value.id) || !isCount(value.ts) || !isCount(value.status)) return undefined;
  const durationMs = optional(value.durationMs, isMeasure);
  const credential = credentialIn(value.credential);
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
  const traceId = optional(value.traceId, isString);
  const spanId = optional(value.spanId, isString);
  const parentSpanId = optional(value.parentSpanId, isString);
  const requestId = optional(value.requestId, isString);
  const observer = optional(value.observer, isString);
  const sessionId = optional(value.sessionId, isString);
  if (
    traceId === unset ||
    spanId === unset ||
    parentSpanId === unset ||
    requestId === unset ||
    observer === unset
  )
    return undefined;
  const observedAs = value.observedAs === undefined ? undefined : stringArray(value.observedAs);
  if (sessionId === unset || (value.observedAs !== undefined && observedAs === undefined)) return undefined;
  return {
    id: value.id,
    ts: value.ts,
    durationMs,
    traceId,
    spanId,
    parentSpanId,
    requestId,
    observer,
    sessionId,
    credential,
    delegation,
    source,
    destination,
    status: value.status,
    rawStatus,
    bytesIn,
    bytesOut,
    origin,
    observedAs,
  };
}

function pathOf(value: unknown): PathStep[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const steps: PathStep[] = [];
  for (const step of value) {
    if (!isObject(step) || !isString(step.hopId) || !isString(step.service) || !isString(step.credential))
      return undefined;
    const workload = optional(step.workload, isString);
    if (workload === unset) return undefined;
    steps.push({ hopId: step.hopId, service: step.service, workload, credential: step.credential });
  }
  return steps;
}

function upstreamOf(value: unknown): ResolvedHop['upstream'] | typeof unset {
  if (value === undefined) return undefined;
  if (!isObject(value) || !isString(value.id) || typeof value.watermark !== 'number') return unset;
  return { id: value.id, watermark: value.watermark };
}

/**
 * A resolved hop off the hops topic (the detect stage's input), copied field by field like
 * `wellFormedHop`, or undefined to let zod judge it.
 */
export function wellFormedResolvedHop(value: JsonObject): ResolvedHop | undefined {
  const hop = wellFormedHop(value);
  const format = hop?.origin?.format;
  if (hop === undefined || format === undefined) return undefined;
  const { originCredential, originConfidence, parentId, parentInferred, depth } = value;
  if (!isFilled(originCredential) || (originConfidence !== 'exact' && originConfidence !== 'partial'))
    return undefined;
  if ((parentId !== undefined && !isString(parentId)) || typeof parentInferred !== 'boolean')
    return undefined;
  const path = pathOf(value.path);
  const upstream = upstreamOf(value.upstream);
  if (!isCount(depth) || path === undefined || upstream === unset) return undefined;
  const { topic, partition, offset } = hop.origin!;
  const event = hop as HopEvent;
  event.origin = { format, topic, partition, offset };
  return resolvedHopOf(event, {
    originCredential,
    originConfidence,
    parentId,
    parentInferred,
    depth,
    path,
    upstream,
  });
}
