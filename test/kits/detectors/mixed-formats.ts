import { scenarioStart, tokenExchangeCreep } from './scenarios.js';

/**
 * Labelled traffic written in the gateways' own formats and interleaved in time order, as a topic
 * fed by several gateways would carry it: each format holds one attack, and one trace crosses
 * formats (an Envoy gateway record whose downstream call is only seen as an OTLP span).
 */

export type TimedLine = { ts: number; line: string };

const second = 1_000;

export const mixedTraceIds = {
  pingPong: '0000000000000000000000000000a2a1',
  crossFormat: '00000000000000000000000000c0ffee',
  creep: 'creep-1',
};

/** The secrets below are fake and only there to prove adapters fingerprint them. */
export const leakedKey = 'sk-live-leaked-0000000000000001';
export const probeKey = 'probe-key-0000000000000002';

function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, '0');
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Envoy JSON access log in hopwatch's recommended json_format. */
function envoyRecord(fields: {
  ts: number;
  method: string;
  path: string;
  status: number;
  duration: number;
  service: string;
  traceparent: string;
  requestId: string;
  extra: Record<string, unknown>;
}): TimedLine {
  const line = JSON.stringify({
    start_time: iso(fields.ts),
    method: fields.method,
    path: fields.path,
    protocol: 'HTTP/1.1',
    response_code: fields.status,
    response_flags: '-',
    bytes_received: 512,
    bytes_sent: 2048,
    duration: fields.duration,
    request_id: fields.requestId,
    authority: `${fields.service}.shop.svc.cluster.local`,
    upstream_cluster: `outbound|8080||${fields.service}.shop.svc.cluster.local`,
    route_name: 'default',
    downstream_remote_address: '10.8.1.22:51544',
    traceparent: fields.traceparent,
    ...fields.extra,
  });
  return { ts: fields.ts, line };
}

/** A leaked API key replayed 150 times in 50 s through the mesh. */
export function envoyKeyFlood(start = scenarioStart + 5 * 60 * second): TimedLine[] {
  return Array.from({ length: 150 }, (_, index) =>
    envoyRecord({
      ts: start + index * 333,
      method: 'POST',
      path: '/v1/chat/completions',
      status: 200,
      duration: 900,
      service: 'llm-gateway',
      traceparent: `00-${hex(0xf100d00 + index, 32)}-${hex(index + 1, 16)}-01`,
      requestId: `flood-${index}`,
      extra: { x_api_key: leakedKey },
    }),
  );
}

/** A read-only agent's request through the gateway; the docs service's DELETE is only seen in OTLP. */
export function envoyCrossFormatRoot(start = scenarioStart + 20 * 60 * second): TimedLine[] {
  return [
    envoyRecord({
      ts: start,
      method: 'GET',
      path: '/docs/archive',
      status: 200,
      duration: 3_000,
      service: 'docs',
      traceparent: `00-${mixedTraceIds.crossFormat}-00000000000000a1-01`,
      requestId: 'cross-root',
      extra: {
        jwt_payload: { iss: 'https://idp.example.com', sub: 'docs-agent', scope: 'docs:read search:read' },
      },
    }),
  ];
}

/** One credential collecting 401/403s on 30 admin endpoints in 45 s, through Kong. */
export function kongProbing(start = scenarioStart + 10 * 60 * second): TimedLine[] {
  const areas = ['admin', 'users', 'secrets', 'billing', 'keys', 'audit'];
  return Array.from({ length: 30 }, (_, index) => {
    const area = areas[index % areas.length]!;
    const uri = `/api/v1/${area}/${index}`;
    const ts = start + index * 1_500;
    const line = JSON.stringify({
      request: {
        id: hex(0x9000 + index, 32),
        method: 'GET',
        uri,
        url: `https://api.shop.example${uri}`,
        size: 120,
        querystring: {},
        headers: { host: 'api.shop.example', apikey: probeKey, 'user-agent': 'python-requests/2.32' },
      },
      upstream_uri: uri,
      response: { status: index % 4 === 0 ? 403 : 401, size: '64', headers: {} },
      route: { name: area, paths: ['/api'], protocols: ['https'] },
      service: { name: area, host: `${area}.internal`, port: 8080, protocol: 'http' },
      latencies: { kong: 1, proxy: 4, request: 5, receive: 0 },
      client_ip: '198.51.100.23',
      started_at: ts,
      source: 'kong',
    });
    return { ts, line };
  });
}

type Attribute = { key: string; value: { stringValue: string } };
const attribute = (key: string, value: string): Attribute => ({ key, value: { stringValue: value } });

function otlpLine(groups: Array<{ service: string; spans: unknown[] }>): string {
  return JSON.stringify({
    resourceSpans: groups.map(({ service, spans }) => ({
      resource: { attributes: [attribute('service.name', service)] },
      scopeSpans: [{ scope: { name: 'hopwatch.fixtures' }, spans }],
    })),
  });
}

function clientSpan(fields: {
  spanId: string;
  parentSpanId?: string;
  ts: number;
  durationMs: number;
  name: string;
  traceId: string;
  attributes: Attribute[];
}) {
  return {
    traceId: fields.traceId,
    spanId: fields.spanId,
    ...(fields.parentSpanId === undefined ? {} : { parentSpanId: fields.parentSpanId }),
    name: fields.name,
    kind: 3,
    startTimeUnixNano: `${fields.ts}000000`,
    endTimeUnixNano: `${fields.ts + fields.durationMs}000000`,
    attributes: fields.attributes,
  };
}

/** Two agents invoking each other ten times deep over A2A, as OTLP client spans with exact parents. */
export function otlpPingPong(start = scenarioStart + 15 * 60 * second): TimedLine[] {
  const agents = ['planner-agent', 'researcher-agent'];
  const spans = agents.map(() => [] as unknown[]);
  for (let depth = 0; depth < 10; depth++) {
    const callee = agents[(depth + 1) % 2]!;
    spans[depth % 2]!.push(
      clientSpan({
        traceId: mixedTraceIds.pingPong,
        spanId: hex(0xa200 + depth, 16),
        ...(depth === 0 ? {} : { parentSpanId: hex(0xa200 + depth - 1, 16) }),
        ts: start + depth * 400,
        durationMs: 10_000 - depth * 400,
        name: `invoke_agent ${callee}`,
        attributes: [
          attribute('gen_ai.operation.name', 'invoke_agent'),
          attribute('gen_ai.agent.name', callee),
          attribute('server.address', callee),
          attribute('enduser.id', 'dave@shop.example'),
        ],
      }),
    );
  }
  return [{ ts: start, line: otlpLine(agents.map((service, index) => ({ service, spans: spans[index]! }))) }];
}

/** The docs service deleting an archive on behalf of the read-only request seen by Envoy. */
export function otlpCrossFormatChild(start = scenarioStart + 20 * 60 * second): TimedLine[] {
  const span = clientSpan({
    traceId: mixedTraceIds.crossFormat,
    spanId: '00000000000000b2',
    parentSpanId: '00000000000000b1',
    ts: start + 500,
    durationMs: 200,
    name: 'DELETE',
    attributes: [
      attribute('http.request.method', 'DELETE'),
      attribute('url.full', 'http://storage.shop.svc.cluster.local/buckets/docs/archive'),
      attribute('server.address', 'storage'),
    ],
  });
  return [{ ts: start + 500, line: otlpLine([{ service: 'docs', spans: [span] }]) }];
}

/** Every record of fixtures/traffic/mixed-formats.ndjson, in time order. */
export function mixedFormatLines(): string[] {
  const creep = tokenExchangeCreep(scenarioStart + 25 * 60 * second).map((hop) => ({
    ts: hop.ts,
    line: JSON.stringify(hop),
  }));
  return [
    ...envoyKeyFlood(),
    ...kongProbing(),
    ...otlpPingPong(),
    ...envoyCrossFormatRoot(),
    ...otlpCrossFormatChild(),
    ...creep,
  ]
    .sort((a, b) => a.ts - b.ts)
    .map(({ line }) => line);
}
