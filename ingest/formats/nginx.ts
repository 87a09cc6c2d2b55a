import { type HeaderKeys, headerReader, snakeCase } from './headers.js';
import { draftToHop, type HopDraft } from './hop.js';
import { clfToMs, epochToMs, isoToMs } from './time.js';
import {
  type AdapterContext,
  type AdapterResult,
  type FormatAdapter,
  type ParsedRecord,
  reject,
} from './types.js';
import {
  firstForwardedFor,
  firstNumeric,
  firstText,
  headerText,
  isObject,
  type JsonObject,
  numeric,
  text,
} from './values.js';

/** Keys of hopwatch's recommended `log_format … escape=json` (README), plus common hand-made spellings. */
const keys = {
  method: ['request_method', 'request_type'],
  target: ['request_uri', 'uri'],
  host: ['host', 'http_host', 'server_name'],
  service: ['proxy_host', 'upstream_name'],
  requestId: ['request_id', 'x_request_id', 'http_x_request_id'],
  forwardedFor: ['x_forwarded_for', 'http_x_forwarded_for', 'client_addr'],
  bytesIn: ['request_length'],
  bytesOut: ['bytes_sent', 'body_bytes_sent', 'total_bytes_sent'],
} as const;

const headerKeys: HeaderKeys = {
  traceparent: ['traceparent', 'http_traceparent'],
  b3: ['b3', 'http_b3'],
  b3TraceId: ['x_b3_traceid', 'http_x_b3_traceid'],
  b3SpanId: ['x_b3_spanid', 'http_x_b3_spanid'],
  b3ParentSpanId: ['x_b3_parentspanid', 'http_x_b3_parentspanid'],
  authorization: ['authorization', 'http_authorization'],
  apiKey: ['x_api_key', 'http_x_api_key'],
  agent: ['agent', 'http_x_hopwatch_agent', 'http_x_agent_id'],
  onBehalfOf: ['on_behalf_of', 'http_x_on_behalf_of'],
  mcpMethod: ['mcp_method', 'http_mcp_method'],
  mcpName: ['mcp_name', 'http_mcp_name'],
  mcpSession: ['mcp_session_id', 'http_mcp_session_id'],
  contentType: ['content_type'],
};
const readHeaders = headerReader(headerKeys);

/** `combined` (and `main`, which appends one field): `$remote_addr - $remote_user [$time_local] "$request" $status …`. */
const combinedLine = /^(.+?) - (\S+) \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-)/;
const clfStamp = / \[\d{2}\/[A-Za-z]{3}\/\d{4}:/;
const addressEnd = /[,\s"]/;

function startOf(record: JsonObject): number {
  const msec = numeric(record.msec);
  if (msec !== undefined) return epochToMs(msec);
  const iso = text(record.time_iso8601);
  if (iso !== undefined) return isoToMs(iso);
  const local = text(record.time_local);
  return local === undefined ? Number.NaN : clfToMs(local);
}

function jsonDraft(record: JsonObject): HopDraft | string {
  const ts = startOf(record);
  if (Number.isNaN(ts)) return 'no start time (msec, time_iso8601 or time_local)';
  const requestLine = text(record.request)?.split(' ');
  const forwardedFor = firstText(record, keys.forwardedFor);
  const ip =
    (forwardedFor === undefined ? undefined : firstForwardedFor(forwardedFor)) ?? text(record.remote_addr);
  const requestTime = numeric(record.request_time);
  return {
    ts,
    durationMs: requestTime === undefined ? undefined : requestTime * 1000,
    method: firstText(record, keys.method) ?? text(requestLine?.[0]),
    target: firstText(record, keys.target) ?? text(requestLine?.[1]),
    authority: firstText(record, keys.host),
    service: firstText(record, keys.service),
    status: numeric(record.status),
    grpcStatus: text(record.grpc_status),
    requestId: firstText(record, keys.requestId),
    hopId: text(record.request_id),
    headers: readHeaders(record),
    header: (name) => headerText(record[`http_${snakeCase(name)}`]) ?? headerText(record[snakeCase(name)]),
    identity: { clientCertSubject: text(record.ssl_client_s_dn), userName: text(record.remote_user), ip },
    ip,
    bytesIn: firstNumeric(record, keys.bytesIn),
    bytesOut: firstNumeric(record, keys.bytesOut),
  };
}

/** The client of a combined line: its first address, even when it is a quoted X-Forwarded-For list. */
function firstAddress(remote: string): string | undefined {
  const unquoted = remote.startsWith('"') ? remote.slice(1) : remote;
  const end = unquoted.search(addressEnd);
  return text(end < 0 ? unquoted : unquoted.slice(0, end));
}

function combinedDraft(line: string): HopDraft | string {
  const match = combinedLine.exec(line);
  if (!match)
    return 'not a combined log line ($remote_addr - $remote_user [$time_local] "$request" $status …)';
  const [, remote, user, time, request, status, bytes] = match;
  const ts = clfToMs(time!);
  if (Number.isNaN(ts)) return 'time_local is not a Common Log Format time';
  const [method, target] = request!.split(' ');
  const ip = firstAddress(remote!);
  return {
    ts,
    method: text(method),
    target: text(target),
    status: Number(status),
    identity: { userName: text(user), ip },
    ip,
    bytesOut: numeric(bytes),
  };
}

function toHopEvents(record: ParsedRecord, context: AdapterContext): AdapterResult {
  let draft: HopDraft | string;
  if (record.kind === 'text') draft = combinedDraft(record.raw);
  else if (isObject(record.value)) draft = jsonDraft(record.value);
  else return reject('an NGINX JSON log record must be a JSON object');
  if (typeof draft === 'string') return reject(`nginx: ${draft}`);
  return { ok: true, events: [draftToHop(draft, context, { raw: record.raw })] };
}

function isNginxJson(value: unknown): boolean {
  return (
    isObject(value) &&
    'status' in value &&
    ('msec' in value || 'time_local' in value || 'time_iso8601' in value)
  );
}

/** NGINX access logs: a JSON `log_format … escape=json` and the predefined `combined` text format. */
export const nginx: FormatAdapter = {
  name: 'nginx',
  signature: 'an NGINX JSON log_format record (a status and a time), or a combined-format text line',
  detect: (record) => (record.kind === 'text' ? clfStamp.test(record.raw) : isNginxJson(record.value)),
  toHopEvents,
};
