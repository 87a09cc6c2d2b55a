import type { CallerHint } from '../../schemas/caller-hint.js';

/** Client libraries name themselves in User-Agent, not the service that uses them. */
const genericClients =
  /^(mozilla|curl|wget|python-requests|python-httpx|python-urllib\d*|aiohttp|go-http-client|okhttp|java|apache-httpclient|jersey|node-fetch|node|axios|undici|got|ruby|faraday|libwww-perl|guzzle|postmanruntime|insomnia|envoy|grpc-[a-z-]+|dart|rest-client|httpie)$/i;

/** What a draft can be asked for: any request header its record kept, by lower-case name. */
export type HeaderLookup = (name: string) => string | undefined;

/** The lookup of a record that keeps no request header but the User-Agent (load balancers' logs). */
export const userAgentOnly =
  (userAgent: string | undefined): HeaderLookup =>
  (name) =>
    name === 'user-agent' ? userAgent : undefined;

/**
 * The caller named by the configured hint, when the log has nothing stronger: the hint header's
 * value, else (if enabled) the first User-Agent product that is not a generic HTTP client.
 */
export function hintedCaller(
  header: HeaderLookup | undefined,
  hint: CallerHint | undefined,
): string | undefined {
  if (header === undefined || hint === undefined) return undefined;
  const named = hint.header === undefined ? undefined : header(hint.header)?.trim();
  if (named !== undefined && named.length > 0) return named;
  return hint.userAgent ? productName(header('user-agent')) : undefined;
}

/** `planner-agent/1.4.2 (linux) python-httpx/0.27` → planner-agent; a generic client alone → undefined. */
export function productName(userAgent: string | undefined): string | undefined {
  if (userAgent === undefined) return undefined;
  for (const product of userAgent.split(/\s+/)) {
    if (product.startsWith('(')) continue;
    const name = product.split('/')[0]!;
    if (/^[A-Za-z][\w.-]*$/.test(name) && !genericClients.test(name)) return name;
  }
  return undefined;
}
