import type { Credential, HopEvent } from '../schemas/hop-event.js';

/**
 * One request logged at two observation points (the caller's outbound sidecar and the callee's
 * inbound one, say) as one hop. The record that started first (then the smaller id) leads: its id,
 * time, destination and status stay. What it lacks comes from the other: the inbound side names
 * the caller (peer SAN) and carries the verified token, the outbound side the upstream cluster. The
 * result does not depend on which record arrived first.
 */
export function mergeObservations(a: HopEvent, b: HopEvent): HopEvent {
  const [lead, other] = startsFirst(a, b) ? [a, b] : [b, a];
  const merged: HopEvent = { ...lead, source: { ...other.source, ...definedOnly(lead.source) } };
  const identity = strongerIdentity(lead, other);
  merged.credential = identity.credential;
  const delegation = identity.delegation ?? lead.delegation ?? other.delegation;
  if (delegation === undefined) delete merged.delegation;
  else merged.delegation = delegation;
  merged.destination = { ...other.destination, ...definedOnly(lead.destination) };
  if (lead.destination.service === unknownService) merged.destination.service = other.destination.service;
  merged.observedAs = [...new Set([...(lead.observedAs ?? []), other.id, ...(other.observedAs ?? [])])]
    .filter((id) => id !== lead.id)
    .sort();
  for (const field of ['durationMs', 'spanId', 'parentSpanId', 'rawStatus', 'bytesIn', 'bytesOut'] as const) {
    if (merged[field] === undefined && other[field] !== undefined) {
      (merged as Record<typeof field, unknown>)[field] = other[field];
    }
  }
  return merged;
}

/** The observation points a hop was logged at: one, or several once records of other points merged into it. */
export type ObservationPoints = string | readonly string[];

/** Where a record was logged: what the record says (HopEvent.observer), else its format. */
export function observationPoint(hop: HopEvent): string {
  return hop.observer ?? hop.origin.format;
}

export function loggedAt(points: ObservationPoints, point: string): boolean {
  return typeof points === 'string' ? points === point : points.includes(point);
}

export function withPoint(points: ObservationPoints, point: string): ObservationPoints {
  if (loggedAt(points, point)) return points;
  return typeof points === 'string' ? [points, point] : [...points, point];
}

/** Whether two records' time intervals overlap, allowing `skewMs` of clock skew between the nodes that logged them. */
export function overlapWithin(aStart: number, aEnd: number, bStart: number, bEnd: number, skewMs: number) {
  return aStart <= bEnd + skewMs && bStart <= aEnd + skewMs;
}

const unknownService = 'unknown';

function startsFirst(a: HopEvent, b: HopEvent): boolean {
  return a.ts < b.ts || (a.ts === b.ts && a.id < b.id);
}

/** A credential the gateway could name beats one it could not (an anonymous caller); ties keep the lead's. */
function strongerIdentity(lead: HopEvent, other: HopEvent): Pick<HopEvent, 'credential' | 'delegation'> {
  return rank(other.credential) > rank(lead.credential) ? other : lead;
}

function rank(credential: Credential): number {
  if (credential.kind === 'unknown') return credential.id.startsWith('anonymous') ? 0 : 1;
  return credential.kind === 'jwt' ? 3 : 2;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  const result: Partial<T> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined) (result as Record<string, unknown>)[key] = item;
  }
  return result;
}
