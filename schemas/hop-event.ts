import { z } from 'zod';

export const credentialKinds = [
  'jwt',
  'api_key',
  'mtls',
  'oauth_client',
  'service_account',
  'session',
  'unknown',
] as const;

/**
 * `in_process`: a step inside one service (an OpenTelemetry internal span that describes no call). It
 * is a hop for lineage, so that the calls under it hang from the right parent, and no detector counts it.
 */
export const protocols = ['http', 'grpc', 'mcp', 'a2a', 'other', 'in_process'] as const;

/** Whether detectors judge a hop: every call, not a step inside one process. */
export const isCall = (hop: { destination: { protocol: Protocol } }): boolean =>
  hop.destination.protocol !== 'in_process';

/** The credential presented on one hop. `id` is never a raw secret (see DESIGN: jwt:<iss>|<sub>, key:<sha256 prefix>, SPIFFE ID). */
export const credentialSchema = z.object({
  id: z.string().min(1),
  kind: z.enum(credentialKinds),
  subject: z.string().optional(),
  issuer: z.string().optional(),
  scopes: z.array(z.string()).default([]),
  /** JWT `jti`, kept apart from `id` so one identity's tokens group together. */
  jti: z.string().optional(),
});

export const sourceSchema = z.object({
  workload: z.string().optional(),
  agent: z.string().optional(),
  ip: z.string().optional(),
});

export const destinationSchema = z.object({
  service: z.string().min(1),
  host: z.string().optional(),
  method: z.string().min(1),
  path: z.string(),
  route: z.string().optional(),
  tool: z.string().optional(),
  protocol: z.enum(protocols),
});

export const originSchema = z.object({
  format: z.string().min(1),
  topic: z.string().optional(),
  partition: z.number().int().nonnegative().optional(),
  offset: z.string().optional(),
});

/** One request seen at one hop (gateway, sidecar, tool broker): the canonical record every adapter produces. */
export const hopEventSchema = z.object({
  id: z.string().min(1),
  ts: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative().optional(),
  traceId: z.string().optional(),
  spanId: z.string().optional(),
  parentSpanId: z.string().optional(),
  requestId: z.string().optional(),
  /**
   * The observation point that logged the record, when its format tells several apart (`inbound` and
   * `outbound` for a sidecar's two sides); else the format is. A proxy logs each request once, so only
   * records of different points can be one request (see `observedAs`).
   */
  observer: z.string().optional(),
  /** MCP session (`Mcp-Session-Id`): groups an agent's calls into one lineage when they carry no trace context. */
  sessionId: z.string().optional(),
  credential: credentialSchema,
  delegation: z.array(z.string()).optional(),
  source: sourceSchema.default({}),
  destination: destinationSchema,
  status: z.number().int().nonnegative(),
  /** The status as the protocol reported it, when it differs from the HTTP-like `status` (e.g. a gRPC code). */
  rawStatus: z.string().optional(),
  bytesIn: z.number().nonnegative().optional(),
  bytesOut: z.number().nonnegative().optional(),
  origin: originSchema,
  /**
   * Ids of the other records of this same request, logged at other observation points (the caller's
   * outbound sidecar, the callee's inbound one, an ingress gateway) and merged into this hop.
   */
  observedAs: z.array(z.string()).optional(),
});

export type Credential = z.infer<typeof credentialSchema>;
export type CredentialKind = (typeof credentialKinds)[number];
export type Protocol = (typeof protocols)[number];
export type HopSource = z.infer<typeof sourceSchema>;
export type HopDestination = z.infer<typeof destinationSchema>;
export type HopOrigin = z.infer<typeof originSchema>;
export type HopEvent = z.infer<typeof hopEventSchema>;

/** The caller a hop names: its workload, else its agent (the caller a lineage path step records). */
export function callerOf(source: Pick<HopSource, 'workload' | 'agent'>): string | undefined {
  return source.workload ?? source.agent;
}

/**
 * A credential with every key present, in the schema's order, undefined when unknown: the credentials
 * every adapter makes share one shape, so the code that reads them stays monomorphic.
 */
export function credentialOf(
  id: string,
  kind: CredentialKind,
  { subject, issuer, scopes = [], jti }: Partial<Omit<Credential, 'id' | 'kind'>> = {},
): Credential {
  return { id, kind, subject, issuer, scopes, jti };
}
