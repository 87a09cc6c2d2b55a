import { z } from 'zod';

const positiveInt = z.number().int().positive();

export const scopeExpansionFields = z.object({
  /** Root-anchored window for the privilege-gain and write-under-read-only rules. */
  windowMs: positiveInt,
  /** A scope is a read scope when it matches one of these globs; an origin is read-only when all its scopes are. */
  readScopePatterns: z.array(z.string().min(1)),
  /** HTTP methods that mutate. Only applied to protocol http (gRPC, MCP and A2A calls are all POSTs). */
  mutatingMethods: z.array(z.string().min(1)),
  /** MCP tools / A2A skills that mutate; globs, case-insensitive. */
  mutatingTools: z.array(z.string().min(1)),
  /** Credential kinds whose scope list is authoritative even when empty (others are compared only when they list scopes). */
  scopedCredentialKinds: z.array(z.string().min(1)),
  /** New destinations are reported only once an origin has been watched this long… */
  learningPeriodMs: positiveInt,
  /** …and has made at least this many calls. */
  minLearningHops: positiveInt,
  /** Tumbling window in which the new destinations of one origin are grouped into one finding. */
  noveltyWindowMs: positiveInt,
  /** Known destinations kept per origin (the oldest are forgotten past it). */
  maxKnownDestinations: positiveInt,
  /** An origin not seen for this long is forgotten, and learns again. */
  originRetentionMs: positiveInt,
});
export type ScopeExpansionConfig = z.infer<typeof scopeExpansionFields>;

export const scopeExpansionDefaults: ScopeExpansionConfig = {
  windowMs: 60_000,
  readScopePatterns: ['read', '*:read', 'read:*', '*.read', '*.readonly', '*:get', '*:list'],
  mutatingMethods: ['POST', 'PUT', 'PATCH', 'DELETE'],
  mutatingTools: [
    '*create*',
    '*update*',
    '*delete*',
    '*remove*',
    '*write*',
    '*send*',
    '*exec*',
    '*deploy*',
    '*transfer*',
    '*refund*',
  ],
  scopedCredentialKinds: ['jwt', 'oauth_client', 'service_account'],
  learningPeriodMs: 86_400_000,
  minLearningHops: 50,
  noveltyWindowMs: 60_000,
  maxKnownDestinations: 1_000,
  originRetentionMs: 7 * 86_400_000,
};
