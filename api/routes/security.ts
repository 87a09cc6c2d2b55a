import type { ApiTokenScope } from '../config.js';

/** OpenAPI security requirement and a note naming the scope a route needs. */
export function secured(scope: ApiTokenScope): {
  security: Array<Record<string, string[]>>;
  description: string;
} {
  return {
    security: [{ bearerAuth: [] }],
    description: `Needs a bearer token with the \`${scope}\` scope (or \`admin\`) when tokens are configured.`,
  };
}
