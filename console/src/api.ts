/** The public API, as the console reads it: every page loads from these routes only. */

const tokenKey = 'hopwatch.token';

/** The API asked for a token (none given, or one without the read scope). */
export class NeedsToken extends Error {}

export function setToken(token: string): void {
  sessionStorage.setItem(tokenKey, token.trim());
}

export async function get<T>(path: string): Promise<T> {
  const token = sessionStorage.getItem(tokenKey);
  const response = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (response.status === 401 || response.status === 403) throw new NeedsToken(await messageOf(response));
  if (!response.ok) throw new Error(`${response.status}: ${await messageOf(response)}`);
  return (await response.json()) as T;
}

async function messageOf(response: Response): Promise<string> {
  try {
    return ((await response.json()) as { message?: string }).message ?? response.statusText;
  } catch {
    return response.statusText;
  }
}

export const enc = encodeURIComponent;

export type Severity = 'low' | 'medium' | 'high' | 'critical';
export type Page<T> = { items: T[]; nextCursor: string | null };

export type Finding = {
  id: string;
  detector: string;
  rule: string;
  severity: Severity;
  score: number;
  originCredential: string;
  credential?: string;
  traceIds: string[];
  windowStart: number;
  windowEnd: number;
  detectedAt: number;
  summary: string;
  evidence: Record<string, unknown>;
  incidentId?: string;
  silencedBy?: string;
};

export type DeadLetter = {
  id: string;
  receivedAt: number;
  reason: string;
  /** Secrets redacted, cut to the store's bound; `rawBytes` is the size before. */
  raw: string;
  rawBytes: number;
  format?: string;
  source: 'http' | 'kafka' | 'file';
  topic?: string;
  partition?: number;
  offset?: string;
  line?: number;
};

export type Incident = {
  id: string;
  originCredential: string;
  state: 'open' | 'resolved';
  severity: Severity;
  firstSeenAt: number;
  lastSeenAt: number;
  resolvedAt: number | null;
  findingCount: number;
  detectors: string[];
  rules: string[];
  highlights: { findingId: string; detector: string; rule: string; severity: Severity; summary: string }[];
  version: number;
  change: 'opened' | 'joined' | 'escalated' | 'resolved';
  changedAt: number;
};

export type IncidentDetail = { incident: Incident; timeline: Incident[]; findings: Page<Finding> };

export type TraceHop = {
  id: string;
  ts: number;
  credential: { id: string; kind: string; scopes: string[] };
  source: { workload?: string; agent?: string };
  destination: { service: string; method: string; path: string; tool?: string };
  status: number;
  originCredential: string;
  parentInferred: boolean;
};
export type TraceNode = { hop: TraceHop; inferred: boolean; children: TraceNode[] };
export type TraceTree = {
  traceId: string;
  hopCount: number;
  originCredentials: string[];
  roots: TraceNode[];
};

export type CredentialSummary = {
  credential: string;
  findings: { detector: string; severity: Severity; count: number }[];
  firstSeen: number | null;
  lastSeen: number | null;
  hopCount: number;
};

type FirstSeen = { hops: number; firstSeen: number; new: boolean };
export type Activity = {
  credential: string;
  from: number;
  to: number;
  bucketMs: number;
  buckets: { start: number; hops: number; authFailures: number; baseline: number | null }[];
  threshold: number;
  destinations: (FirstSeen & { service: string })[];
  tools: (FirstSeen & { tool: string })[];
};
