import { z } from 'zod';

/**
 * A silence: findings it matches when they are raised are stored and marked, join no incident and
 * notify nobody. Every matcher given must match; at least one is required. Expiry is wall time.
 */
export const silenceSpecSchema = z
  .object({
    /** Glob over the origin credential: `*` any run of characters, `?` one. */
    credential: z.string().min(1).max(512).optional(),
    detector: z.string().min(1).max(64).optional(),
    rule: z.string().min(1).max(128).optional(),
    /** ISO 8601 instant or epoch ms. */
    expiresAt: z.union([z.iso.datetime({ offset: true }), z.number().int().positive()]),
    reason: z.string().trim().min(1).max(1_000),
  })
  .strict()
  .refine((spec) => spec.credential ?? spec.detector ?? spec.rule, {
    message: 'name at least one of credential, detector or rule',
  });

export const silenceSchema = z.object({
  /** `config:<n>` for the configured ones; a random id for those made through the API. */
  id: z.string(),
  credential: z.string().nullable(),
  detector: z.string().nullable(),
  rule: z.string().nullable(),
  expiresAt: z.number().int(),
  reason: z.string(),
  createdAt: z.number().int(),
  source: z.enum(['config', 'api']),
});

export type SilenceSpec = z.input<typeof silenceSpecSchema>;
export type Silence = z.infer<typeof silenceSchema>;

export function expiryMs(expiresAt: string | number): number {
  return typeof expiresAt === 'number' ? expiresAt : Date.parse(expiresAt);
}
