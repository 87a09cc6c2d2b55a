import { z } from 'zod';

/**
 * A cap on what one Map or Set holds (tracked traces, tracked keys, open incidents…): JavaScript's
 * hold at most 2^24 entries and throw past that, so a larger cap is refused at start-up, naming
 * the field, instead of stopping the pipeline once that much traffic has come.
 */
export const entriesCap = z.number().int().positive().max(10_000_000);

/** Where a value failed its schema, as `a.b.0.c`, or `(top level)`. */
export function issuePath(issue: z.core.$ZodIssue): string {
  return issue.path.length > 0 ? issue.path.join('.') : '(top level)';
}

/** The first problem zod found, as `path: message`. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue === undefined ? 'unreadable' : `${issuePath(issue)}: ${issue.message}`;
}
