import { z } from 'zod';

/**
 * Where to find the caller's name when the log has nothing better (no mTLS peer, no workload field,
 * no agent header, no RFC 8693 actor): a request header some gateways can log (`x-service-name`),
 * and the product token of the User-Agent (`planner-agent/1.4` → planner-agent). Off by default:
 * both are set by the client, so a caller can claim any name.
 */
export const callerHintSchema = z
  .object({
    header: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/, 'a header name, e.g. x-service-name')
      .transform((name) => name.toLowerCase())
      .optional(),
    userAgent: z.boolean().default(false),
  })
  .strict();

export type CallerHint = z.infer<typeof callerHintSchema>;
