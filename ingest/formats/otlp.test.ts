import { describe, expect, it } from 'vitest';
import { sampleLines as fixture, hopsOf, sampleNow as now } from '../../test/kits/formats/samples.js';
import { normalizeRecord } from '../normalize.js';

const hops = (line: string) => hopsOf('otlp', line);

function exportOf(span: object, resourceAttributes: object[] = []) {
  return JSON.stringify({
    resourceSpans: [{ resource: { attributes: resourceAttributes }, scopeSpans: [{ spans: [span] }] }],
  });
}

describe('OTLP/JSON export', () => {
  it('maps the official example: upper-case ids lowercased, numeric ns times, service.name', () => {
    const [hop] = hops(fixture('otlp-example.ndjson')[0]!);
    expect(hop).toMatchObject({
      id: 'otlp:5b8efff798038103d269b633813fc60c:eee19b7ec3c1b174',
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
      parentSpanId: 'eee19b7ec3c1b173',
      ts: 1544712660000,
      durationMs: 1000,
      destination: { service: 'my.service', protocol: 'other' },
      status: 200,
    });
  });

  it('converts decimal-string nanoseconds exactly, without a float detour', () => {
    const span = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      startTimeUnixNano: '1763630400123999999',
      endTimeUnixNano: '1763630400125000001',
    };
    const [hop] = hops(exportOf(span));
    expect(hop?.ts).toBe(1763630400123);
    expect(hop?.durationMs).toBe(1.000002);
  });

  describe('the MCP tool-call example of the semantic conventions', () => {
    const events = hops(fixture('otlp-agents.ndjson')[0]!);
    const bySpan = new Map(events.map((event) => [event.spanId, event]));

    it('yields one hop per span, parents linked by span id', () => {
      expect(events).toHaveLength(6);
      expect(bySpan.get('53995c3f42cd8ad8')?.parentSpanId).toBe('b7ad6b7169203331');
      expect(bySpan.get('0123456789abcdef')?.parentSpanId).toBe('53995c3f42cd8ad8');
    });

    it('takes the root credential from enduser.id and names the acting agent', () => {
      expect(bySpan.get('b7ad6b7169203331')).toMatchObject({
        credential: { id: 'enduser:carol@acme.com', subject: 'carol@acme.com' },
        source: { agent: 'weather-forecast-agent' },
        destination: { service: 'weather-agent', method: 'invoke_agent' },
      });
    });

    it('maps the MCP client span: protocol mcp, tool from gen_ai.tool.name, callee from server.address', () => {
      expect(bySpan.get('53995c3f42cd8ad8')).toMatchObject({
        destination: {
          protocol: 'mcp',
          tool: 'get-weather',
          method: 'tools/call',
          service: 'weather-mcp.tools.svc.cluster.local',
        },
        source: { workload: 'weather-agent' },
        credential: { id: 'service:weather-agent', kind: 'service_account' },
        durationMs: 450,
      });
    });

    it('reads HTTP semconv, and a captured authorization header as a credential, never as text', () => {
      const post = bySpan.get('a3ce929d0e0e4736');
      expect(post).toMatchObject({
        destination: {
          method: 'POST',
          path: '/mcp',
          protocol: 'mcp',
          service: 'weather-mcp.tools.svc.cluster.local',
        },
        status: 200,
        credential: { id: 'jwt:https://idp.acme.internal|bob@acme.com' },
      });
      expect(JSON.stringify(events)).not.toContain('c2lnLXVzZXItc2VjcmV0LTU1NjY3Nzg');
    });

    it('gives a server span its own service as destination and the client address as source, and maps ERROR to 500', () => {
      expect(bySpan.get('f1e2d3c4b5a69788')).toMatchObject({
        destination: { service: 'weather-mcp', route: '/mcp' },
        source: { ip: '10.8.1.22' },
      });
      expect(bySpan.get('f1e2d3c4b5a69788')?.source.workload).toBeUndefined();
      expect(bySpan.get('0123456789abcdef')).toMatchObject({
        status: 500,
        destination: { tool: 'get-weather', protocol: 'mcp' },
      });
    });

    it('turns the LLM call into a hop to the provider', () => {
      expect(bySpan.get('00f067aa0ba902b7')).toMatchObject({
        destination: { service: 'api.openai.com', method: 'chat', protocol: 'other' },
        durationMs: 899,
      });
    });
  });

  it('reads older semconv keys and a remote agent invocation as A2A', () => {
    const span = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      kind: 'SPAN_KIND_CLIENT',
      startTimeUnixNano: 1763630400000000000,
      attributes: [
        { key: 'gen_ai.operation.name', value: { stringValue: 'invoke_agent' } },
        { key: 'gen_ai.agent.name', value: { stringValue: 'billing-agent' } },
        { key: 'http.method', value: { stringValue: 'POST' } },
        { key: 'http.target', value: { stringValue: '/?x=1' } },
        { key: 'http.status_code', value: { intValue: '202' } },
      ],
    };
    const [hop] = hops(exportOf(span, [{ key: 'service.name', value: { stringValue: 'planner' } }]));
    expect(hop).toMatchObject({
      status: 202,
      destination: { protocol: 'a2a', service: 'billing-agent', method: 'POST', path: '/' },
      source: { workload: 'planner' },
    });
    expect(hop?.source.agent).toBeUndefined();
  });

  it('rejects a span without trace id, naming where it is', () => {
    const result = normalizeRecord(exportOf({ spanId: 'b7ad6b7169203331', startTimeUnixNano: '1' }), {
      format: 'otlp',
      now,
    });
    expect(result).toMatchObject({
      ok: false,
      reason: 'otlp: resourceSpans[0].scopeSpans[0].spans[0]: traceId is missing',
    });
  });

  it('tells a step inside one process (an internal span that describes no call) from a call', () => {
    const protocolOf = (kind: number | undefined, attributes: object[]) =>
      hops(
        exportOf({ traceId: 'aa', spanId: 'bb', name: 'work', kind, startTimeUnixNano: '1', attributes }),
      )[0]?.destination.protocol;
    const attribute = (key: string) => ({ key, value: { stringValue: 'x' } });
    expect(protocolOf(1, [])).toBe('in_process');
    expect(protocolOf(undefined, [attribute('code.function')])).toBe('in_process');
    expect(protocolOf(1, [attribute('gen_ai.operation.name')])).toBe('other');
    expect(protocolOf(1, [attribute('db.system')])).toBe('other');
    expect(protocolOf(0, [attribute('http.method')])).not.toBe('in_process');
    expect(protocolOf(2, [])).toBe('other');
  });
});
