import type { z } from 'zod';

/** Where a value failed its schema, as `a.b.0.c`, or `(top level)`. */
export function issuePath(issue: z.core.$ZodIssue): string {
  return issue.path.length > 0 ? issue.path.join('.') : '(top level)';
}

/** The first problem zod found, as `path: message`. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue === undefined ? 'unreadable' : `${issuePath(issue)}: ${issue.message}`;
}
