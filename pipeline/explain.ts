import type { DetectorNote } from '../detectors/types.js';
import { decodeSettingsOf } from '../ingest/decode.js';
import type { HopDraft } from '../ingest/formats/hop.js';
import { formatAdapters } from '../ingest/formats/index.js';
import type { Identity } from '../ingest/identity/credential.js';
import { autoFormat, normalizeRecord } from '../ingest/normalize.js';
import { redactText } from '../ingest/redact.js';
import type { Finding } from '../schemas/finding.js';
import type { HopEvent } from '../schemas/hop-event.js';
import type { ResolvedHop } from '../schemas/resolved-hop.js';
import { createDetectionEngine, type DetectionEngine, type EngineConfig } from './engine.js';
import { describeLineage, type LineageAccount } from './explain-lineage.js';

/** What hopwatch made of one hop of the record, step by step. */
export type HopAccount = {
  /** The fields the adapter read (secrets replaced by what they became); absent for canonical records. */
  fieldsRead?: Record<string, unknown>;
  identity: {
    credential: HopEvent['credential'];
    basis: string;
    delegation?: string[];
    caller: { name: string | null; from: string };
  };
  lineage: LineageAccount | null;
  detectors: Record<string, DetectorNote>;
};

export type Explanation = {
  format: { name: string; chosen: 'detected' | 'given'; why: string };
  hops: HopAccount[];
  /** Findings the run raised for the hop's root action or that name the hop. */
  findings: Finding[];
};

export type ExplainResult = { ok: true; explanation: Explanation } | { ok: false; reason: string };

const hidden = '[secret: not shown, fingerprinted into the credential id]';

/**
 * Runs `records` through decoding, lineage and the detectors as `hopwatch detect` would, and gives
 * an account of the one at `index`: the format chosen and why, the fields read, the identity
 * decision, its parent and origin, and what each detector counted for it. Never shows a secret.
 */
export function explainRecord(
  records: readonly string[],
  index: number,
  config: EngineConfig,
  { format = autoFormat, order = 'as given' }: { format?: string; order?: 'as given' | 'event time' } = {},
): ExplainResult {
  const drafts: Array<{ draft: HopDraft; identity: Identity }> = [];
  // Decoded as the lane's sources decode (the configured caller hint included).
  const decoding = { format, ...decodeSettingsOf(config) };
  const target = normalizeRecord(records[index] ?? '', {
    ...decoding,
    onDraft: (draft, identity) => drafts.push({ draft, identity }),
  });
  if (!target.ok) return { ok: false, reason: `not a record hopwatch can read: ${target.reason}` };
  const events = target.events;
  const ids = new Set(events.map((event) => event.id));
  const accounts = new Map<string, { hop: ResolvedHop; detectors: Record<string, DetectorNote> }>();
  const findings: Finding[] = [];
  let engine: DetectionEngine | undefined;
  engine = createDetectionEngine(
    config,
    {
      hop: (hop) => {
        const own = [hop.id, ...(hop.observedAs ?? [])].filter((id) => ids.has(id));
        for (const id of own) accounts.set(id, { hop, detectors: engine!.explain(hop) });
      },
      finding: (finding) => findings.push(finding),
    },
    { now: Date.now },
  );
  const all = records.flatMap((record, position) => {
    const decoded = position === index ? target : normalizeRecord(record, decoding);
    return decoded.ok ? decoded.events : [];
  });
  // A stable sort: events of one timestamp keep the order they were given in.
  if (order === 'event time') all.sort((a, b) => a.ts - b.ts);
  for (const event of all) engine.observe(event);
  engine.flush();
  const hops = events.map((event, position) => {
    const account = accounts.get(event.id);
    return hopAccount(event, drafts[position], account?.hop, account?.detectors ?? {});
  });
  const resolved = [...accounts.values()].map((account) => account.hop);
  return {
    ok: true,
    explanation: {
      format: formatChoice(target.format, format),
      hops,
      findings: findings.filter((finding) => concerns(finding, resolved)),
    },
  };
}

function formatChoice(name: string, requested: string): Explanation['format'] {
  const adapter = formatAdapters.find((candidate) => candidate.name === name);
  const why = adapter?.signature ?? name;
  if (requested !== autoFormat) return { name, chosen: 'given', why: `--format ${requested}: ${why}` };
  const before = formatAdapters.slice(0, adapter === undefined ? 0 : formatAdapters.indexOf(adapter));
  const tried = before.length === 0 ? '' : ` (not ${before.map((other) => other.name).join(', ')})`;
  return { name, chosen: 'detected', why: `the first format whose shape it has${tried}: ${why}` };
}

function hopAccount(
  event: HopEvent,
  decoded: { draft: HopDraft; identity: Identity } | undefined,
  resolved: ResolvedHop | undefined,
  detectors: Record<string, DetectorNote>,
): HopAccount {
  const identity: HopAccount['identity'] = {
    credential: event.credential,
    basis: decoded?.identity.basis ?? 'the canonical record names it',
    caller: callerOf(event, decoded),
  };
  if (event.delegation !== undefined) identity.delegation = event.delegation;
  const account: HopAccount = {
    identity,
    lineage: resolved === undefined ? null : describeLineage(event, resolved),
    detectors,
  };
  if (decoded !== undefined) account.fieldsRead = withoutSecrets(decoded.draft);
  return account;
}

/** The caller the hop got (decoding chose it) and which evidence held that name. */
function callerOf(event: HopEvent, decoded: { draft: HopDraft; identity: Identity } | undefined) {
  const name = event.source.workload ?? event.source.agent ?? null;
  if (name === null) return { name, from: 'not named: a parent can only be inferred from timing' };
  if (decoded === undefined) return { name, from: 'the canonical record' };
  const { draft, identity } = decoded;
  const evidence: Array<[string | undefined, string]> = [
    [identity.spiffeId, 'the mTLS peer (SPIFFE ID)'],
    [draft.workload, 'the workload the log names'],
    [draft.headers?.agent, 'the agent header'],
    [identity.actor, 'the token’s current actor (RFC 8693 act.sub)'],
  ];
  const held = evidence.find(([value]) => value === name);
  return { name, from: held?.[1] ?? 'the configured caller hint (lineage.callerHint)' };
}

/**
 * The draft as read, with every secret replaced: the Authorization value and API keys, and what the
 * target and host hold that is shaped like one (a key in the query string, userinfo).
 */
function withoutSecrets(draft: HopDraft): Record<string, unknown> {
  const target = draft.target === undefined ? undefined : redactText(draft.target);
  const authority = draft.authority === undefined ? undefined : redactText(draft.authority);
  const headers = { ...draft.headers };
  if (headers.authorization !== undefined) headers.authorization = hidden;
  if (headers.apiKey !== undefined) headers.apiKey = hidden;
  const identity = { ...draft.identity };
  if (identity.apiKey !== undefined) identity.apiKey = hidden;
  return JSON.parse(JSON.stringify({ ...draft, target, authority, headers, identity }));
}

function concerns(finding: Finding, hops: ResolvedHop[]): boolean {
  const sampled = finding.evidence.sampleHopIds;
  return hops.some(
    (hop) =>
      (Array.isArray(sampled) && sampled.includes(hop.id)) ||
      (finding.originCredential === hop.originCredential &&
        hop.traceId !== undefined &&
        finding.traceIds.includes(hop.traceId)),
  );
}
