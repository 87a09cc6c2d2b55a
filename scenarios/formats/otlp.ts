import { createHash } from 'node:crypto';
import type { HopEvent } from '../../schemas/hop-event.js';
import { serviceAccountOf, syntheticJwt } from './identity.js';

type Attribute = {
  key: string;
  value: { stringValue: string } | { intValue: string } | { arrayValue: unknown };
};

const str = (key: string, value: string): Attribute => ({ key, value: { stringValue: value } });
const int = (key: string, value: number): Attribute => ({
  key,
  value: { intValue: String(Math.round(value)) },
});
const header = (name: string, value: string): Attribute => ({
  key: `http.request.header.${name}`,
  value: { arrayValue: { values: [{ stringValue: value }] } },
});

const spansPerExport = 16;
/** Spans that ended this far apart do not share an export (a batch processor's timeout). */
const batchTimeoutMs = 2_000;
const clientKind = 3;

/**
 * OTLP/JSON trace exports as a collector's batch processor sends them: one export per line, up to
 * 16 spans that ended within 2 s of each other, grouped by the calling service's resource. Each hop is the caller's CLIENT span, with
 * exact span ids, the presented (synthetic test) token as a captured request header, and the
 * HTTP, MCP (`mcp.method.name`, `gen_ai.tool.name`), A2A and gRPC attributes.
 */
export function otlpRecords(hops: readonly HopEvent[]): string[] {
  const records: string[] = [];
  let batch: HopEvent[] = [];
  for (const hop of hops) {
    const first = batch[0];
    if (
      first !== undefined &&
      (batch.length === spansPerExport || spanEnd(hop) - spanEnd(first) > batchTimeoutMs)
    ) {
      records.push(exportOf(batch));
      batch = [];
    }
    batch.push(hop);
  }
  if (batch.length > 0) records.push(exportOf(batch));
  return records;
}

const spanEnd = (hop: HopEvent): number => hop.ts + (hop.durationMs ?? 0);

/**
 * What a collector with tail sampling sends: each trace exported whole once it has ended, traces in
 * the order they ended. Spans of a long trace arrive long after later traces' spans: late events.
 */
export function otlpPerTraceRecords(hops: readonly HopEvent[]): string[] {
  const traces = new Map<string, HopEvent[]>();
  for (const hop of hops) {
    const key = hop.traceId ?? hop.id;
    const trace = traces.get(key);
    if (trace === undefined) traces.set(key, [hop]);
    else trace.push(hop);
  }
  const ends = new Map([...traces].map(([key, trace]) => [key, Math.max(...trace.map(spanEnd))]));
  return [...traces.keys()]
    .sort((a, b) => ends.get(a)! - ends.get(b)!)
    .flatMap((key) => otlpRecords(traces.get(key)!));
}

function exportOf(batch: readonly HopEvent[]): string {
  const byService = new Map<string, unknown[]>();
  for (const hop of batch) {
    const service = callerService(hop);
    const spans = byService.get(service) ?? [];
    spans.push(span(hop));
    byService.set(service, spans);
  }
  const resourceSpans = [...byService].map(([service, spans]) => ({
    resource: { attributes: [str('service.name', service)] },
    scopeSpans: [{ scope: { name: 'hopwatch-scenarios' }, spans }],
  }));
  return JSON.stringify({ resourceSpans });
}

function callerService(hop: HopEvent): string {
  const workload = hop.source.workload;
  if (workload === undefined) return 'unknown';
  return workload.startsWith('spiffe://') ? serviceAccountOf(workload) : workload;
}

function span(hop: HopEvent) {
  const { destination } = hop;
  const startNanos = BigInt(hop.ts) * 1_000_000n;
  const endNanos = startNanos + BigInt(Math.round((hop.durationMs ?? 0) * 1_000_000));
  const attributes: Attribute[] = [
    str('http.request.method', destination.method),
    str('url.path', destination.path),
    str('peer.service', destination.service),
    int('http.response.status_code', hop.status),
  ];
  if (destination.route !== undefined) attributes.push(str('http.route', destination.route));
  if (destination.protocol === 'mcp') attributes.push(str('mcp.method.name', 'tools/call'));
  if (destination.protocol === 'a2a' || destination.protocol === 'grpc') {
    attributes.push(str('rpc.system', destination.protocol));
  }
  if (destination.tool !== undefined) attributes.push(str('gen_ai.tool.name', destination.tool));
  // Only agents presenting their token name themselves; a service calling with its mesh identity is its service.
  if (hop.credential.kind === 'jwt') {
    attributes.push(header('authorization', `Bearer ${syntheticJwt(hop)}`));
    if (hop.source.agent !== undefined) attributes.push(str('gen_ai.agent.name', hop.source.agent));
  }
  // A request from outside with no trace context: the edge gateway's span starts a trace for it.
  const ids = createHash('sha256').update(hop.id).digest('hex');
  return {
    traceId: hop.traceId ?? ids.slice(0, 32),
    spanId: hop.spanId ?? ids.slice(32, 48),
    ...(hop.parentSpanId === undefined ? {} : { parentSpanId: hop.parentSpanId }),
    name: `${destination.method} ${destination.route ?? destination.path}`,
    kind: clientKind,
    startTimeUnixNano: startNanos.toString(),
    endTimeUnixNano: endNanos.toString(),
    attributes,
    status: hop.status >= 500 ? { code: 2 } : {},
  };
}
