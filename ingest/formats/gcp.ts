import { userAgentOnly } from './caller-hint.js';
import { type HopDraft, singleJsonHop } from './hop.js';
import { isoToMs } from './time.js';
import type { FormatAdapter } from './types.js';
import { isObject, type JsonObject, numeric, text, urlParts } from './values.js';

/**
 * Google Cloud request logs: a Cloud Logging LogEntry with an `httpRequest` (Cloud Load Balancing,
 * Cloud Run, App Engine, API Gateway on GCP), as a Log Router sink hands it to Pub/Sub or Cloud
 * Storage, one JSON object each.
 */

/** `projects/<project>/traces/<32 hex>`: the W3C trace id Cloud Trace shares. */
const tracePath = /\/traces\/([0-9a-f]{32})$/;

/** A protobuf Duration in JSON: `"0.123456s"`. */
function durationMs(value: unknown): number | undefined {
  const duration = text(value);
  const seconds = duration?.endsWith('s') ? numeric(duration.slice(0, -1)) : undefined;
  return seconds === undefined ? undefined : Math.round(seconds * 1_000_000) / 1000;
}

/** The service a request went to, as the monitored resource names it; the request's host otherwise. */
function serviceOf(resource: unknown): string | undefined {
  const labels = isObject(resource) && isObject(resource.labels) ? resource.labels : undefined;
  if (labels === undefined) return undefined;
  return text(labels.service_name) ?? text(labels.backend_service_name) ?? text(labels.module_id);
}

function gcpDraft(entry: JsonObject): HopDraft | string {
  const request = entry.httpRequest;
  if (!isObject(request)) return 'httpRequest is missing';
  const ts = isoToMs(text(entry.timestamp) ?? '');
  if (Number.isNaN(ts)) return 'timestamp is missing or not an RFC 3339 time';
  const { authority, target } = urlParts(text(request.requestUrl));
  const ip = text(request.remoteIp);
  return {
    ts,
    durationMs: durationMs(request.latency),
    method: text(request.requestMethod),
    target,
    authority,
    service: serviceOf(entry.resource),
    status: numeric(request.status),
    hopId: text(entry.insertId),
    traceId: tracePath.exec(text(entry.trace) ?? '')?.[1],
    identity: { ip },
    ip,
    bytesIn: numeric(request.requestSize),
    bytesOut: numeric(request.responseSize),
    header: userAgentOnly(text(request.userAgent)),
  };
}

const format = { name: 'gcp', record: 'a Cloud Logging entry' };

/** Google Cloud request logs: a LogEntry with `httpRequest`. */
export const gcp: FormatAdapter = {
  name: 'gcp',
  signature: 'a JSON object with an `httpRequest` object and a `timestamp` (a Google Cloud LogEntry)',
  detect: (record) =>
    record.kind === 'json' &&
    isObject(record.value) &&
    isObject(record.value.httpRequest) &&
    'timestamp' in record.value,
  toHopEvents: (record, context) => singleJsonHop(record, context, format, gcpDraft),
};
