import type { Protocol } from '../../schemas/hop-event.js';

/** What a record says about the protocol of a call; `explicit` wins when the format states it. */
export type ProtocolHints = {
  explicit?: Protocol;
  method?: string;
  path: string;
  contentType?: string;
  grpcStatus?: string;
  mcpMethod?: string;
  tool?: string;
};

const grpcNames = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];
const camelBoundary = /([a-z])([A-Z])/g;

/** The HTTP status gRPC gateways use for each code (google.rpc.Code mapping). */
const grpcHttpStatus = [200, 499, 500, 400, 504, 404, 409, 403, 429, 400, 409, 400, 501, 500, 503, 500, 401];

/** A gRPC status as a code: `7`, `PERMISSION_DENIED` or Envoy's `PermissionDenied`. */
export function grpcCode(status: string): number | undefined {
  const number = Number(status);
  if (Number.isInteger(number)) return number >= 0 && number < grpcNames.length ? number : undefined;
  const name = status.replace(camelBoundary, '$1_$2').toUpperCase();
  const code = grpcNames.indexOf(name === 'CANCELED' ? 'CANCELLED' : name);
  return code < 0 ? undefined : code;
}

/**
 * The HTTP-like status of a call: a gRPC failure behind an HTTP 200 becomes the HTTP class of its
 * code, so that 401/403 bursts look the same whatever the protocol.
 */
export function httpLikeStatus(httpStatus: number | undefined, grpcStatus: string | undefined): number {
  const status =
    httpStatus !== undefined && Number.isInteger(httpStatus) && httpStatus >= 0 ? httpStatus : undefined;
  const code = grpcStatus === undefined ? undefined : grpcCode(grpcStatus);
  if (code !== undefined && (status === undefined || status === 200)) return grpcHttpStatus[code]!;
  // 0 is what Envoy logs when no response was sent; a missing or malformed status means the same here.
  return status ?? 0;
}

/** `/mcp`, `/x/mcp` or `/mcp/…`: the path names the protocol as one whole segment. */
function hasSegment(path: string, segment: string): boolean {
  return path.endsWith(segment) || path.includes(`${segment}/`);
}

function isA2aPath(path: string): boolean {
  return (
    hasSegment(path, '/a2a') ||
    path.includes('/.well-known/agent-card.json') ||
    path.includes('/.well-known/agent.json')
  );
}

export function detectProtocol(hints: ProtocolHints): Protocol {
  if (hints.explicit) return hints.explicit;
  if (hints.mcpMethod !== undefined || hints.tool !== undefined || hasSegment(hints.path, '/mcp'))
    return 'mcp';
  if (isA2aPath(hints.path)) return 'a2a';
  if (hints.grpcStatus !== undefined || hints.contentType?.startsWith('application/grpc')) return 'grpc';
  return hints.method === undefined ? 'other' : 'http';
}
