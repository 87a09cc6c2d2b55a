import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/**
 * An agent's call made by the OpenTelemetry SDK itself: a planner's server span, its client call to a
 * search tool, and the tool's server span, with HTTP, GenAI and identity attributes of each kind of
 * value OTLP carries (strings, integers, doubles, booleans, arrays). `startTime` moves the whole trace.
 */
export async function agentSpans(startTime = Date.now()): Promise<ReadableSpan[]> {
  const finished = new InMemorySpanExporter();
  const provider = (service: string) =>
    new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': service, 'deployment.weight': 1.5, replicas: 3 }),
      spanProcessors: [new SimpleSpanProcessor(finished)],
    });
  const planner = provider('planner').getTracer('agent-runtime', '1.4.0');
  const search = provider('search-tool').getTracer('tool-runtime');
  const root = planner.startSpan('POST /plan', {
    kind: SpanKind.SERVER,
    startTime,
    attributes: {
      'http.request.method': 'POST',
      'url.path': '/plan',
      'http.response.status_code': 200,
      'enduser.id': 'alice@example.com',
      'gen_ai.agent.name': 'planner',
      'gen_ai.request.tools': ['search', 'fetch'],
      'app.cached': false,
    },
  });
  const call = planner.startSpan(
    'GET /search',
    {
      kind: SpanKind.CLIENT,
      startTime: startTime + 5,
      attributes: {
        'http.request.method': 'GET',
        'url.full': 'http://search-tool:8080/search?q=x',
        'server.address': 'search-tool',
        'http.response.status_code': 200,
      },
    },
    trace.setSpan(context.active(), root),
  );
  const served = search.startSpan(
    'GET /search',
    {
      kind: SpanKind.SERVER,
      startTime: startTime + 7,
      attributes: { 'http.request.method': 'GET', 'url.path': '/search', 'http.response.status_code': 503 },
    },
    trace.setSpan(context.active(), call),
  );
  served.setStatus({ code: SpanStatusCode.ERROR, message: 'overloaded' });
  served.end(startTime + 20);
  call.end(startTime + 21);
  root.end(startTime + 30);
  return finished.getFinishedSpans();
}
