import { isObject, type JsonObject as Json } from '../../common/json.js';

/** One trace's export, with its copies of the resource and scope entries its spans came under. */
type Part = { export: Json; copies: Map<Json, Json> };

/**
 * An OTLP/JSON trace export as one export per trace, in order of each trace's first span, every span
 * under its own resource and scope as before: what the Collector's Kafka exporter sends with
 * `partition_traces_by_id`, so that keyed by its trace id each trace stays in one partition. Spans
 * without a trace id go with the first trace.
 */
export function splitOtlpByTrace(exported: Json): Array<{ traceId: string; export: Json }> {
  const spans = placedSpans(exported);
  const first = spans.find((placed) => placed.traceId !== undefined)?.traceId;
  const parts = new Map<string, Part>();
  for (const { resource, scopesKey, scope, span, traceId = first } of spans) {
    if (traceId === undefined) continue;
    let part = parts.get(traceId);
    if (part === undefined) {
      part = { export: { ...exported, resourceSpans: [] }, copies: new Map() };
      parts.set(traceId, part);
    }
    const partResource = copyOnce(
      part,
      resource,
      () => ({ ...resource, [scopesKey]: [] }),
      part.export.resourceSpans,
    );
    const partScope = copyOnce(part, scope, () => ({ ...scope, spans: [] }), partResource[scopesKey]);
    (partScope.spans as unknown[]).push(span);
  }
  return [...parts].map(([traceId, part]) => ({ traceId, export: part.export }));
}

type PlacedSpan = { resource: Json; scopesKey: string; scope: Json; span: unknown; traceId?: string };

/** Every span of the export with the resource and scope entries it sits under, in order. */
function placedSpans(exported: Json): PlacedSpan[] {
  const placed: PlacedSpan[] = [];
  const resources = Array.isArray(exported.resourceSpans) ? exported.resourceSpans : [];
  for (const resource of resources) {
    if (!isObject(resource)) continue;
    const scopesKey = 'scopeSpans' in resource ? 'scopeSpans' : 'instrumentationLibrarySpans';
    const scopes = resource[scopesKey];
    if (!Array.isArray(scopes)) continue;
    for (const scope of scopes) {
      if (!isObject(scope) || !Array.isArray(scope.spans)) continue;
      for (const span of scope.spans) {
        const traceId = isObject(span) && typeof span.traceId === 'string' ? span.traceId : undefined;
        placed.push({ resource, scopesKey, scope, span, ...(traceId === undefined ? {} : { traceId }) });
      }
    }
  }
  return placed;
}

/** The part's copy of `entry`, made empty by `copy` and added to `list` the first time. */
function copyOnce(part: Part, entry: Json, copy: () => Json, list: unknown): Json {
  let copied = part.copies.get(entry);
  if (copied === undefined) {
    copied = copy();
    part.copies.set(entry, copied);
    (list as Json[]).push(copied);
  }
  return copied;
}
