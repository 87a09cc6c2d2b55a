import type { z } from 'zod';
import { type HopEvent, type HopOrigin, hopEventSchema, originSchema } from '../../schemas/hop-event.js';
import { wellFormedHop } from './canonical-fast.js';
import {
  type AdapterContext,
  type AdapterResult,
  type FormatAdapter,
  type ParsedRecord,
  reject,
} from './types.js';
import { isObject } from './values.js';

/** Canonical input may leave `origin` out: where the record came from is known to the reader, not the writer. */
const canonicalInputSchema = hopEventSchema.extend({ origin: originSchema.partial().optional() });

const maxIssuesInReason = 3;

function describeIssues(error: z.ZodError): string {
  const issues = error.issues.slice(0, maxIssuesInReason).map((issue) => {
    const field = issue.path.length === 0 ? 'record' : issue.path.join('.');
    return `${field}: ${issue.message}`;
  });
  const more = error.issues.length - issues.length;
  return more > 0 ? `${issues.join('; ')} (and ${more} more)` : issues.join('; ');
}

function toHopEvents(record: ParsedRecord, context: AdapterContext): AdapterResult {
  if (record.kind !== 'json' || !isObject(record.value))
    return reject('canonical record must be a JSON object');
  let hop = wellFormedHop(record.value);
  if (hop === undefined) {
    const parsed = canonicalInputSchema.safeParse(record.value);
    if (!parsed.success) return reject(`not a canonical HopEvent: ${describeIssues(parsed.error)}`);
    hop = parsed.data;
  }
  // Both the fast path and zod return a fresh object: it is completed in place, not copied.
  const event = hop as HopEvent;
  event.origin = originOf(hop.origin, context.origin);
  return { ok: true, events: [event] };
}

/**
 * Where the reader found the record wins over what the record says; the record's own format stays.
 * Built field by field: spreading two optional objects of varying shapes cost more than the rest of
 * the adapter.
 */
function originOf(own: Partial<HopOrigin> | undefined, reader: HopOrigin): HopOrigin {
  const origin: HopOrigin = { format: own?.format ?? 'canonical' };
  const topic = reader.topic ?? own?.topic;
  if (topic !== undefined) origin.topic = topic;
  const partition = reader.partition ?? own?.partition;
  if (partition !== undefined) origin.partition = partition;
  const offset = reader.offset ?? own?.offset;
  if (offset !== undefined) origin.offset = offset;
  return origin;
}

/** The HopEvent shape itself (schemas/hop-event.ts), validated field by field. */
export const canonical: FormatAdapter = {
  name: 'canonical',
  signature: 'a JSON object with a `destination` (the canonical HopEvent)',
  detect: (record) => record.kind === 'json' && isObject(record.value) && 'destination' in record.value,
  toHopEvents,
};
