import { firstIssue } from '../../common/zod.js';
import { resolvedHopSchema, watermarkMarkSchema } from '../../schemas/resolved-hop.js';
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
    const hop = isObject(record.value) ? wellFormedResolvedHop(record.value) : undefined;
    if (hop !== undefined) return { ok: true, events: [hop] };
    const mark = watermarkMarkSchema.safeParse(record.value);
    if (mark.success) return { ok: true, events: [], upstream: mark.data.upstream };
    const parsed = resolvedHopSchema.safeParse(record.value);
    if (!parsed.success) return { ok: false, reason: `resolved hop: ${firstIssue(parsed.error)}` };
    return { ok: true, events: [parsed.data] };
  },
};
