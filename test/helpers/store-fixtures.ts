import { createHash } from 'node:crypto';
import { detectorNames } from '../../detectors/index.js';
import type { DeadLetter } from '../../schemas/dead-letter.js';
import { type Finding, severities } from '../../schemas/finding.js';
import type { ResolvedHop } from '../../schemas/resolved-hop.js';

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);

/** A finding as the detectors build it: the id is a hash of detector, rule, key and window start. */
export function makeFinding(index: number, overrides: Partial<Finding> = {}): Finding {
  const detector = overrides.detector ?? detectorNames[index % detectorNames.length]!;
  const windowStart = overrides.windowStart ?? Date.UTC(2026, 10, 1) + index * 1_000;
  const originCredential = overrides.originCredential ?? `key:${(index % 7).toString(16).padStart(16, '0')}`;
  const rule = overrides.rule ?? 'limit';
  return {
    id: digest(`${detector}\n${rule}\n${originCredential}\n${windowStart}`),
    detector,
    rule,
    severity: severities[(index + Math.floor(index / 4)) % severities.length]!,
    score: 50 + (index % 50),
    originCredential,
    traceIds: [`trace-${index}`],
    windowStart,
    windowEnd: windowStart + 60_000,
    detectedAt: windowStart + 61_000,
    summary: `finding ${index}: ${detector} past its limit`,
    evidence: { count: index, threshold: 25, sampleHopIds: [`hop-${index}`], nested: { ratio: 0.5 } },
    ...overrides,
  };
}

/** One hop of a three-hop trace: agent → tool broker → service, under one origin credential. */
export function makeHop(
  traceIndex: number,
  depth: number,
  ts: number,
  overrides: Partial<ResolvedHop> = {},
): ResolvedHop {
  const traceId = `trace-${traceIndex.toString(16).padStart(8, '0')}`;
  const originCredential = `jwt:https://idp.example|agent-${traceIndex % 5}`;
  const id = `${traceId}-${depth}`;
  const hop: ResolvedHop = {
    id,
    ts,
    durationMs: 12.5,
    traceId,
    spanId: `span-${depth}`,
    requestId: `req-${id}`,
    credential: {
      id: originCredential,
      kind: 'jwt',
      subject: `agent-${traceIndex % 5}`,
      scopes: ['tickets:read'],
    },
    source: { workload: depth === 0 ? 'support-agent' : `svc-${depth - 1}` },
    destination: {
      service: `svc-${depth}`,
      method: 'GET',
      path: `/v1/items/${traceIndex}`,
      protocol: 'http',
    },
    status: 200,
    bytesOut: 512,
    origin: { format: 'envoy', topic: 'hopwatch.access-logs', partition: 0, offset: String(traceIndex) },
    originCredential,
    originConfidence: 'exact',
    parentInferred: false,
    depth,
    path: [
      { hopId: `${traceId}-0`, service: 'svc-0', workload: 'support-agent', credential: originCredential },
    ],
    ...overrides,
  };
  if (depth > 0 && overrides.parentSpanId === undefined) hop.parentSpanId = `span-${depth - 1}`;
  if (depth > 0 && overrides.parentId === undefined) hop.parentId = `${traceId}-${depth - 1}`;
  return hop;
}

export function makeDeadLetter(index: number, overrides: Partial<DeadLetter> = {}): DeadLetter {
  return {
    receivedAt: Date.now(),
    reason: 'not valid JSON at column 3',
    raw: `{"broken": ${index}`,
    format: 'envoy',
    source: 'kafka',
    topic: 'hopwatch.access-logs',
    partition: 1,
    offset: String(1_000 + index),
    ...overrides,
  };
}
