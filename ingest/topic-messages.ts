import type { KafkaMessage, Message } from 'kafkajs';
import { firstIssue } from '../common/zod.js';
import { type Finding, findingSchema } from '../schemas/finding.js';
import { type Incident, incidentSchema } from '../schemas/incident.js';
import type { ResolvedHop, UpstreamTag, WatermarkMark } from '../schemas/resolved-hop.js';
import { readResolvedHop } from './formats/resolved-hop.js';
import type { Verdicts } from './source.js';

/** Header naming what a findings-topic message carries. */
export const verdictKindHeader = 'hopwatch-kind';

/**
 * Findings keyed by id and incident versions keyed by incident id: every copy of a finding, and every
 * version of an incident, lands on one partition, where the first one read wins.
 */
export function verdictMessages({ findings, incidents }: Verdicts): Message[] {
  return [
    ...findings.map((finding) => ({
      key: finding.id,
      value: JSON.stringify(finding),
      headers: { [verdictKindHeader]: 'finding' },
    })),
    ...incidents.map((incident) => ({
      key: incident.id,
      value: JSON.stringify(incident),
      headers: { [verdictKindHeader]: 'incident' },
    })),
  ];
}

export type ReadVerdict =
  | { ok: true; kind: 'finding'; finding: Finding; dedupKey: string }
  | { ok: true; kind: 'incident'; incident: Incident; dedupKey: string }
  | { ok: false; reason: string };

/** A message of the findings topic back as a finding or an incident version, or why it is neither. */
export function readVerdict(message: KafkaMessage): ReadVerdict {
  const kind = message.headers?.[verdictKindHeader]?.toString();
  let value: unknown;
  try {
    value = JSON.parse(message.value?.toString() ?? '');
  } catch {
    return { ok: false, reason: 'findings topic: the value is not JSON' };
  }
  if (kind === 'finding') {
    const parsed = findingSchema.safeParse(value);
    if (!parsed.success) return { ok: false, reason: `findings topic: finding: ${firstIssue(parsed.error)}` };
    return { ok: true, kind, finding: parsed.data, dedupKey: `finding ${parsed.data.id}` };
  }
  if (kind === 'incident') {
    const parsed = incidentSchema.safeParse(value);
    if (!parsed.success)
      return { ok: false, reason: `findings topic: incident: ${firstIssue(parsed.error)}` };
    const { id, version } = parsed.data;
    return { ok: true, kind, incident: parsed.data, dedupKey: `incident ${id} ${version}` };
  }
  return { ok: false, reason: `findings topic: header ${verdictKindHeader} is ${kind ?? 'missing'}` };
}

/** Resolved hops keyed by origin credential: a credential's hops all reach one detect-stage partition. */
export function hopMessages(hops: readonly ResolvedHop[]): Message[] {
  return hops.map((hop) => ({ key: hop.originCredential, value: JSON.stringify(hop) }));
}

/** Each ingest task's watermark mark, once on every partition of the hops topic (`partitions` of them). */
export function watermarkMessages(tags: readonly UpstreamTag[], partitions: number): Message[] {
  const messages: Message[] = [];
  for (const upstream of tags) {
    const value = JSON.stringify({ upstream } satisfies WatermarkMark);
    for (let partition = 0; partition < partitions; partition++) messages.push({ partition, value });
  }
  return messages;
}

/** A message of the hops topic back as a resolved hop or a watermark mark, or why it is neither. */
export function readHop(message: KafkaMessage): ReturnType<typeof readResolvedHop> {
  let value: unknown;
  try {
    value = JSON.parse(message.value?.toString() ?? '');
  } catch {
    return { ok: false, reason: 'hops topic: the value is not JSON' };
  }
  const read = readResolvedHop(value);
  return read.ok ? read : { ok: false, reason: `hops topic: ${read.reason}` };
}
