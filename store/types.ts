import type { DeadLetter, StoredDeadLetter } from '../schemas/dead-letter.js';
import type { Finding, Severity } from '../schemas/finding.js';
import type { Incident, incidentStates } from '../schemas/incident.js';
import type { ResolvedHop } from '../schemas/resolved-hop.js';

export type FindingFilter = {
  detector?: string;
  severity?: Severity;
  originCredential?: string;
  /** Inclusive lower bound on windowEnd, epoch ms. */
  from?: number;
  /** Exclusive upper bound on windowEnd, epoch ms. */
  to?: number;
  incidentId?: string;
};

export type IncidentFilter = {
  state?: (typeof incidentStates)[number];
  severity?: Severity;
  /** Incidents a finding of this detector joined. */
  detector?: string;
  originCredential?: string;
  /** Incidents whose findings reach this instant or later (lastSeenAt ≥ from), epoch ms. */
  from?: number;
  /** Incidents that began before this instant (firstSeenAt < to), epoch ms. */
  to?: number;
};

export type IncidentPage = { items: Incident[]; nextCursor: string | null };

/** An incident as it stands, its notable versions (every change but `joined`) and its latest findings. */
export type IncidentDetail = { incident: Incident; timeline: Incident[]; findings: FindingPage };

export type FindingPage = { items: Finding[]; nextCursor: string | null };

export type DeadLetterFilter = {
  source?: DeadLetter['source'];
  format?: string;
  /** Inclusive lower bound on receivedAt, epoch ms. */
  from?: number;
  /** Exclusive upper bound on receivedAt, epoch ms. */
  to?: number;
};

export type DeadLetterPage = { items: StoredDeadLetter[]; nextCursor: string | null };

export type CredentialSummary = {
  credential: string;
  findings: { detector: string; severity: Severity; count: number }[];
  firstSeen: number | null;
  lastSeen: number | null;
  hopCount: number;
  topDestinations: { service: string; count: number }[];
};

/** Hops of one origin credential per time bucket, and where they went (first seen, for "new"). */
export type CredentialActivity = {
  from: number;
  to: number;
  bucketMs: number;
  /** Every bucket of [from, to), empty ones as zeros. */
  buckets: { start: number; hops: number; authFailures: number }[];
  destinations: { service: string; hops: number; firstSeen: number }[];
  tools: { tool: string; hops: number; firstSeen: number }[];
};

export type ActivityRange = { from?: number; to?: number; bucketMs: number; maxBuckets: number };

export type StoreStats = { findings: number; hops: number; deadLetters: number };

/** What a batch written to the store carries. */
export type StoreBatch = {
  findings?: Finding[];
  incidents?: Incident[];
  hops?: ResolvedHop[];
  deadLetters?: DeadLetter[];
};

/** Thrown (or returned as a rejection) when ClickHouse cannot be reached; callers pause intake and retry. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

export interface StoreWriter {
  /** Accepts rows into the bounded buffer; waits while the buffer is full (backpressure), never drops. */
  write(batch: StoreBatch): Promise<void>;
  /** Resolves once everything accepted so far is durable; rejects with StoreUnavailableError if it cannot be. */
  flush(): Promise<void>;
  /** The same for the findings and incidents only: hops and dead letters may still wait for their batch. */
  flushVerdicts(): Promise<void>;
  /** Rows accepted but not yet durable. */
  pending(): number;
  /** Whether the last write attempt reached the store. */
  available(): boolean;
  /** Hops not kept because their event time is already past `store.hopsTtlDays` (replayed history). */
  hopsPastRetention(): number;
}

export interface StoreReader {
  listFindings(filter: FindingFilter, limit: number, cursor: string | null): Promise<FindingPage>;
  getFinding(id: string): Promise<Finding | null>;
  listDeadLetters(filter: DeadLetterFilter, limit: number, cursor: string | null): Promise<DeadLetterPage>;
  listIncidents(filter: IncidentFilter, limit: number, cursor: string | null): Promise<IncidentPage>;
  /** Null when no version of it is stored; `findingLimit` of its findings, newest first. */
  getIncident(id: string, findingLimit: number): Promise<IncidentDetail | null>;
  traceHops(traceId: string): Promise<ResolvedHop[]>;
  credentialSummary(credential: string): Promise<CredentialSummary | null>;
  /**
   * Null when no hop of it is stored. Without `from`/`to`, from 30 buckets before its first hop to its
   * latest (at most `maxBuckets`); first-seen times cover all its stored history, not only the range.
   */
  credentialActivity(credential: string, range: ActivityRange): Promise<CredentialActivity | null>;
  stats(): Promise<StoreStats>;
}

export interface HopwatchStore {
  readonly writer: StoreWriter;
  readonly reader: StoreReader;
  /** Applies pending migrations; idempotent. */
  migrate(): Promise<string[]>;
  /** True when a trivial query succeeds. */
  ping(): Promise<boolean>;
  /** Flushes and releases the connection. */
  close(): Promise<void>;
}
