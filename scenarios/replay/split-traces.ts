type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** One trace's export, with its copies of the resource and scope entries its spans came under. */
type Part = { export: Json; copies: Map<Json, Json> };

/**
 * An OTLP/JSON trace export as one export per trace, in order of each trace's first span, every span
 * under its own resource and scope as before: what the Collector's Kafka exporter sends with
 * `partition_traces_by_id`, so that keyed by its trace id each trace stays in one partition. Spans
 * without a trace id stay with the first trace.
 */
export function splitOtlpByTrace(exported: Json): Array<{ traceId: string; export: Json }> {
  const parts = new Map<string, Part>();
  let first: string | undefined;
  const resources = Array.isArray(exported.resourceSpans) ? exported.resourceSpans : [];
  for (const resource of resources) {
    if (!isObject(resource)) continue;
    const scopesKey = 'scopeSpans' in resource ? 'scopeSpans' : 'instrumentationLibrarySpans';
    const scopes = resource[scopesKey];
    if (!Array.isArray(scopes)) continue;
    for (const scope of scopes) {
      if (!isObject(scope) || !Array.isArray(scope.spans)) continue;
      for (const span of scope.spans) {
        const traceId =
          (isObject(span) && typeof span.traceId === 'string' ? span.traceId : undefined) ?? first;
        if (traceId === undefined) continue;
        first ??= traceId;
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
    }
  }
  return [...parts].map(([traceId, part]) => ({ traceId, export: part.export }));
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
