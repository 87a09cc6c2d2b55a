import { callerIp, clusterService, clusterSide } from './envoy-json.js';
import type { HopDraft } from './hop.js';
import { isoToMs } from './time.js';
import { isQuoted, tokenize, unquote } from './tokenize.js';
import { numeric, text } from './values.js';

/**
 * Token positions of the two default text formats. Envoy's:
 *   [START] "REQ" CODE FLAGS RX TX DURATION UPSTREAM_TIME "XFF" "UA" "REQUEST_ID" "AUTHORITY" "UPSTREAM_HOST"
 * Istio's adds details and the transport failure (quoted, which tells the two apart) after FLAGS,
 * and the cluster, addresses, SNI and route at the end.
 */
const envoyLayout = {
  minTokens: 13,
  status: 2,
  bytesIn: 4,
  bytesOut: 5,
  duration: 6,
  forwardedFor: 8,
  requestId: 10,
  authority: 11,
  cluster: -1,
  remoteAddress: -1,
  route: -1,
};
const istioLayout = {
  minTokens: 16,
  status: 2,
  bytesIn: 7,
  bytesOut: 8,
  duration: 9,
  forwardedFor: 11,
  requestId: 13,
  authority: 14,
  cluster: 16,
  remoteAddress: 19,
  route: 21,
};
const istioMarkerToken = 6;

function tokenText(tokens: string[], position: number): string | undefined {
  return position < 0 ? undefined : text(unquote(tokens[position]));
}

/** Whether a text line looks like an Envoy/Istio default-format line (`[2016-…`). */
export function looksLikeEnvoyText(line: string): boolean {
  const second = line.charCodeAt(1);
  return line.charCodeAt(0) === 91 && second >= 48 && second <= 57;
}

/** The draft of one line in Envoy's or Istio's default text format, or why it cannot be one. */
export function envoyTextDraft(line: string): HopDraft | string {
  const tokens = tokenize(line);
  const layout = isQuoted(tokens[istioMarkerToken]) ? istioLayout : envoyLayout;
  if (tokens.length < layout.minTokens) {
    return `expected at least ${layout.minTokens} fields of the default text format, found ${tokens.length}`;
  }
  const ts = isoToMs(unquote(tokens[0]) ?? '');
  if (Number.isNaN(ts)) return 'start time (first field) is not a timestamp';
  const status = numeric(tokens[layout.status]);
  if (status === undefined) return 'response code (third field) is not a number';
  const [method, target] = (unquote(tokens[1]) ?? '').split(' ');
  const cluster = tokenText(tokens, layout.cluster);
  const ip = callerIp(tokenText(tokens, layout.forwardedFor), tokenText(tokens, layout.remoteAddress));
  return {
    ts,
    durationMs: numeric(tokens[layout.duration]),
    method: text(method),
    target: text(target),
    authority: tokenText(tokens, layout.authority),
    service: cluster === undefined ? undefined : clusterService(cluster),
    route: tokenText(tokens, layout.route),
    status,
    requestId: tokenText(tokens, layout.requestId),
    observer: clusterSide(cluster),
    identity: { ip },
    ip,
    bytesIn: numeric(tokens[layout.bytesIn]),
    bytesOut: numeric(tokens[layout.bytesOut]),
  };
}
