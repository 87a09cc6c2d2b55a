import { firstIssue } from '../../common/zod.js';
import {
  type ResolvedHop,
  resolvedHopSchema,
  type UpstreamTag,
  watermarkMarkSchema,
} from '../../schemas/resolved-hop.js';
import { wellFormedResolvedHop } from './canonical-fast.js';
import type { AdapterResult, FormatAdapter, ParsedRecord } from './types.js';
import { isObject } from './values.js';

/**
 * hopwatch's own hops topic (a pipeline split over Kafka): one ResolvedHop per message, as the ingest
 * stage published it, or an ingest task's watermark mark. Never auto-detected; the detect stage names it
 * for that topic. The hop keeps the origin of the access-log record it came from.
 */
export const resolvedHop: FormatAdapter = {
  name: 'resolved-hop',
  signature: "hopwatch's internal hops topic: a ResolvedHop as JSON",
  detect: () => false,
  toHopEvents(record: ParsedRecord): AdapterResult {
    if (record.kind !== 'json') return { ok: false, reason: 'resolved hop: not JSON' };
    const read = readResolvedHop(record.value);
    if (!read.ok) return { ok: false, reason: `resolved hop: ${read.reason}` };
    return 'hop' in read ? { ok: true, events: [read.hop] } : { ok: true, events: [], upstream: read.mark };
  },
};

/**
 * A hops-topic value as a resolved hop or a watermark mark, or why it is neither: the one reading of
 * that topic, for the detect stage (above) and for the store's reader (ingest/findings-consumer.ts).
 * Hops take the fast path; zod judges the rest (marks, and anything unusual).
 */
export function readResolvedHop(
  value: unknown,
): { ok: true; hop: ResolvedHop } | { ok: true; mark: UpstreamTag } | { ok: false; reason: string } {
  const hop = isObject(value) ? wellFormedResolvedHop(value) : undefined;
  if (hop !== undefined) return { ok: true, hop };
  const mark = watermarkMarkSchema.safeParse(value);
  if (mark.success) return { ok: true, mark: mark.data.upstream };
  const parsed = resolvedHopSchema.safeParse(value);
  return parsed.success ? { ok: true, hop: parsed.data } : { ok: false, reason: firstIssue(parsed.error) };
}
