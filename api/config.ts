import { z } from 'zod';

export const apiTokenScopes = ['read', 'ingest', 'admin'] as const;

export const apiTokenSchema = z.object({
  name: z.string().min(1),
  /** `sha256:<hex>` of the bearer token; the token itself is never written in config. */
  hash: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256:<64 hex chars>'),
  scopes: z.array(z.enum(apiTokenScopes)).min(1),
});

/** Google's signing keys for the OIDC tokens it issues (Pub/Sub push authentication among them). */
export const googleJwksUrl = 'https://www.googleapis.com/oauth2/v3/certs';

/** A Pub/Sub push subscription with authentication on: whose OIDC token `POST /v1/pubsub` takes. */
export const pubsubPushConfigSchema = z
  .object({
    /** The subscription's audience (Google's default: the push endpoint's URL). */
    audience: z.string().min(1),
    /** The service account the subscription pushes as. */
    serviceAccount: z.email(),
    jwksUrl: z.url().default(googleJwksUrl),
  })
  .strict();

export const apiConfigSchema = z.object({
  port: z.number().int().min(0).max(65_535).default(8080),
  /** Without tokens only a loopback address is allowed. */
  host: z.string().min(1).default('127.0.0.1'),
  /** The OTLP/gRPC receiver's port on the same host (4317 is OTLP's); absent, there is none. */
  otlpGrpcPort: z.number().int().min(0).max(65_535).optional(),
  tokens: z
    .array(apiTokenSchema)
    .default([])
    .refine(
      (tokens) => new Set(tokens.map((token) => token.name)).size === tokens.length,
      'token names must be unique',
    ),
  /** Largest POST /v1/ingest body, enforced while streaming. */
  ingestMaxBytes: z
    .number()
    .int()
    .min(1024)
    .default(16 * 1024 * 1024),
  /** Absent, `POST /v1/pubsub` takes an ingest token only (in its URL). */
  pubsubPush: pubsubPushConfigSchema.optional(),
  /** How many rejected lines an ingest response lists (all of them are counted and dead-lettered). */
  ingestMaxListedRejects: z.number().int().nonnegative().default(100),
});

export type ApiTokenScope = (typeof apiTokenScopes)[number];
export type ApiToken = z.infer<typeof apiTokenSchema>;
export type ApiConfig = z.infer<typeof apiConfigSchema>;
export type PubsubPushConfig = z.infer<typeof pubsubPushConfigSchema>;
