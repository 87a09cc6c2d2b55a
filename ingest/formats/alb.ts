import { xrayTraceId } from '../identity/trace-context.js';
import { userAgentOnly } from './caller-hint.js';
import { draftToHop, type HopDraft } from './hop.js';
import { isoToMs } from './time.js';
import { tokenize, unquote } from './tokenize.js';
import {
  type AdapterContext,
  type AdapterResult,
  type FormatAdapter,
  type ParsedRecord,
  reject,
} from './types.js';
import { numeric, text, urlParts } from './values.js';

/**
 * Amazon Application Load Balancer access logs: space-separated fields, some quoted, in AWS's fixed
 * order; fields AWS added later (and ones it will add) are read when there and ignored beyond.
 */
const field = {
  type: 0,
  time: 1,
  client: 3,
  status: 8,
  receivedBytes: 10,
  sentBytes: 11,
  request: 12,
  userAgent: 13,
  targetGroup: 16,
  traceId: 17,
  domainName: 18,
  requestCreationTime: 21,
} as const;
const minFields = field.request + 1;

/** A line opens with the request type and the ISO time the response went out. */
const albLine = /^(?:https?|h2|grpcs|wss?) +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/;

/** The field's value: `-` and `"-"` both mean none. */
const valueAt = (tokens: string[], position: number): string | undefined => text(unquote(tokens[position]));

/** `ip:port` or `[v6]:port`: the load balancer always logs the port, after the last colon. */
function clientAddress(client: string | undefined): string | undefined {
  if (client === undefined || client === '-') return undefined;
  const colon = client.lastIndexOf(':');
  const address = colon < 0 ? client : client.slice(0, colon);
  return text(address.startsWith('[') ? address.slice(1, -1) : address);
}

/** `arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>` → its name. */
function targetGroupName(arn: string | undefined): string | undefined {
  const match = arn === undefined ? null : /:targetgroup\/([^/]+)\//.exec(arn);
  return match?.[1];
}

/** `GET https://api.example.com:443/v1/x?q=1 HTTP/1.1` → method, authority and the target after it. */
function requestParts(request: string | undefined) {
  const [method, url] = (request ?? '').split(' ');
  return { method: text(method), ...urlParts(text(url)) };
}

function albDraft(line: string): HopDraft | string {
  const tokens = tokenize(line);
  if (tokens.length < minFields)
    return `expected at least ${minFields} fields (type … "request"), found ${tokens.length}`;
  const sent = isoToMs(tokens[field.time]!);
  if (Number.isNaN(sent)) return 'time (second field) is not an ISO 8601 time';
  // Received is when the request came in; lines from before AWS logged it start at the response.
  const received = isoToMs(valueAt(tokens, field.requestCreationTime) ?? '');
  const ts = Number.isNaN(received) ? sent : received;
  const { method, authority, target } = requestParts(valueAt(tokens, field.request));
  const ip = clientAddress(tokens[field.client]);
  return {
    ts,
    durationMs: Number.isNaN(received) ? undefined : sent - received,
    method,
    target,
    authority,
    service: targetGroupName(valueAt(tokens, field.targetGroup)) ?? valueAt(tokens, field.domainName),
    status: numeric(valueAt(tokens, field.status)),
    protocol: tokens[field.type] === 'grpcs' ? 'grpc' : undefined,
    traceId: xrayTraceId(valueAt(tokens, field.traceId)),
    identity: { ip },
    ip,
    bytesIn: numeric(valueAt(tokens, field.receivedBytes)),
    bytesOut: numeric(valueAt(tokens, field.sentBytes)),
    header: userAgentOnly(valueAt(tokens, field.userAgent)),
  };
}

function toHopEvents(record: ParsedRecord, context: AdapterContext): AdapterResult {
  if (record.kind !== 'text') return reject('an ALB access log entry is a text line');
  const draft = albDraft(record.raw);
  if (typeof draft === 'string') return reject(`alb: ${draft}`);
  return { ok: true, events: [draftToHop(draft, context, { raw: record.raw })] };
}

/** Amazon Application Load Balancer access log entries, as the load balancer writes them to S3. */
export const alb: FormatAdapter = {
  name: 'alb',
  signature: 'a text line opening with the request type (http, https, h2, grpcs, ws, wss) and an ISO time',
  detect: (record) => record.kind === 'text' && albLine.test(record.raw),
  toHopEvents,
};
