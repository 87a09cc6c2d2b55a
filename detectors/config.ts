import { z } from 'zod';

// Each detector section is declared without zod defaults so that the same fields can serve, all optional,
// as a per-credential override; the defaults are merged in by `withDefaults`.
function withDefaults<Fields extends z.ZodRawShape>(
  fields: z.ZodObject<Fields>,
  defaults: z.output<z.ZodObject<Fields>>,
) {
  return fields
    .partial()
    .strict()
    .transform((given) => ({ ...defaults, ...given }) as z.output<z.ZodObject<Fields>>);
}

const positiveInt = z.number().int().positive();
const positive = z.number().positive();

/** Robust baseline: median/MAD over a history of past counts, only once enough history exists. */
const baselineFields = z.object({
  /** How many past counts are kept per key. */
  historySize: positiveInt,
  /** No baseline finding before this many past counts exist. */
  minHistory: positiveInt,
  /** Robust z-score ((x − median) / (1.4826 · MAD)) above which a count is anomalous. */
  zThreshold: positive,
  /** Counts below this never raise a baseline finding, however unusual. */
  minCount: positiveInt,
  /** The count must also be at least this many times the baseline (median, and EWMA where kept). */
  minRatio: positive,
});
const baselineOverride = baselineFields.partial().strict();
const fanoutBaselineSchema = withDefaults(baselineFields, {
  historySize: 50,
  minHistory: 20,
  zThreshold: 6,
  minCount: 10,
  minRatio: 3,
});
const rateBaselineSchema = withDefaults(baselineFields, {
  historySize: 60,
  minHistory: 15,
  zThreshold: 6,
  minCount: 60,
  minRatio: 3,
});

const fanoutFields = z.object({
  /** Windows are anchored at the root hop's start: [root, root + windowMs), then the next ones. */
  windowMs: positiveInt,
  /** More descendant calls than this under one root action in one window is a finding. */
  maxDescendants: positiveInt,
  /** More distinct destinations (service, or service:tool) than this is a finding. */
  maxDestinations: positiveInt,
  baseline: fanoutBaselineSchema,
});
export const fanoutConfigSchema = withDefaults(fanoutFields, {
  windowMs: 60_000,
  maxDescendants: 25,
  maxDestinations: 10,
  baseline: fanoutBaselineSchema.parse({}),
});

const recursionFields = z.object({
  /** Root-anchored window in which cycles, depth and repeated calls are counted. */
  windowMs: positiveInt,
  /** A root → hop chain deeper than this is a finding. */
  maxDepth: positiveInt,
  /** The same caller → destination call (method and route) repeated more than this under one root. */
  maxRepeats: positiveInt,
  /** Services that legitimately appear several times on a path (gateways, meshes); globs. */
  passThroughServices: z.array(z.string().min(1)),
});
export const recursionConfigSchema = withDefaults(recursionFields, {
  windowMs: 60_000,
  maxDepth: 8,
  maxRepeats: 20,
  passThroughServices: [],
});

const scopeExpansionFields = z.object({
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
export const scopeExpansionConfigSchema = withDefaults(scopeExpansionFields, {
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
});

const rateFields = z.object({
  /** Tumbling window for request counts. */
  windowMs: positiveInt,
  /** Requests per window under one origin credential (all hops of its lineage) above this is a finding. */
  maxRequestsPerOrigin: positiveInt,
  /** Requests per window presented with one hop credential above this is a finding. */
  maxRequestsPerCredential: positiveInt,
  /** More 401/403 answers than this for one credential within any sliding window is a probing finding. */
  maxAuthFailures: positiveInt,
  /** Sliding window for 401/403 bursts, and its slide. */
  authWindowMs: positiveInt,
  authSlideMs: positiveInt,
  /** Smoothing of the EWMA baseline of per-window counts (weight of the newest window). */
  ewmaAlpha: z.number().gt(0).lte(1),
  baseline: rateBaselineSchema,
});
export const rateConfigSchema = withDefaults(rateFields, {
  windowMs: 60_000,
  maxRequestsPerOrigin: 600,
  maxRequestsPerCredential: 600,
  maxAuthFailures: 20,
  authWindowMs: 60_000,
  authSlideMs: 10_000,
  ewmaAlpha: 0.3,
  baseline: rateBaselineSchema.parse({}),
});

/** Any detector field, per credential glob; later entries win over earlier ones. */
export const detectorOverrideSchema = z
  .object({
    /** Glob on the credential id (`*` any run of characters, `?` one character). */
    match: z.string().min(1),
    fanout: fanoutFields.extend({ baseline: baselineOverride }).partial().strict().optional(),
    recursion: recursionFields.partial().strict().optional(),
    scopeExpansion: scopeExpansionFields.partial().strict().optional(),
    rate: rateFields.extend({ baseline: baselineOverride }).partial().strict().optional(),
  })
  .strict();

export const detectorsConfigSchema = z
  .object({
    /** Watermark = max event time seen − allowedLatenessMs. */
    allowedLatenessMs: z.number().int().nonnegative().default(10_000),
    /** Keys tracked per detector (baselines, learned destinations, root actions); least recently used evicted past it. */
    maxTrackedKeys: positiveInt.default(100_000),
    /** Sample hop ids and trace ids kept in a finding's evidence. */
    maxSamples: positiveInt.default(10),
    fanout: fanoutConfigSchema.prefault({}),
    recursion: recursionConfigSchema.prefault({}),
    scopeExpansion: scopeExpansionConfigSchema.prefault({}),
    rate: rateConfigSchema.prefault({}),
    overrides: z.array(detectorOverrideSchema).default([]),
  })
  .strict();

export type DetectorsConfig = z.infer<typeof detectorsConfigSchema>;
export type DetectorOverride = z.infer<typeof detectorOverrideSchema>;
export type FanoutConfig = DetectorsConfig['fanout'];
export type RecursionConfig = DetectorsConfig['recursion'];
export type ScopeExpansionConfig = DetectorsConfig['scopeExpansion'];
export type RateConfig = DetectorsConfig['rate'];
export type BaselineConfig = FanoutConfig['baseline'];
