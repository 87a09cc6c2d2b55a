import { z } from 'zod';

export const apiTokenScopes = ['read', 'ingest', 'admin'] as const;

export const apiTokenSchema = z.object({
  name: z.string().min(1),
  /** `sha256:<hex>` of the bearer token; the token itself is never written in config. */
  hash: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256:<64 hex chars>'),
  scopes: z.array(z.enum(apiTokenScopes)).min(1),
});

export const apiConfigSchema = z.object({
  port: z.number().int().min(0).max(65_535).default(8080),
  host: z.string().default('127.0.0.1'),
  tokens: z.array(apiTokenSchema).default([]),
  ingestMaxBytes: z
    .number()
    .int()
    .positive()
    .default(16 * 1024 * 1024),
});

export type ApiToken = z.infer<typeof apiTokenSchema>;
export type ApiConfig = z.infer<typeof apiConfigSchema>;
