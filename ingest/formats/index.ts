import { alb } from './alb.js';
import { apigateway } from './apigateway.js';
import { apim } from './apim.js';
import { canonical } from './canonical.js';
import { cloudflare } from './cloudflare.js';
import { envoy } from './envoy.js';
import { gcp } from './gcp.js';
import { kong } from './kong.js';
import { nginx } from './nginx.js';
import { otlp } from './otlp.js';
import { resolvedHop } from './resolved-hop.js';
import { traefik } from './traefik.js';
import type { FormatAdapter } from './types.js';

/**
 * Every supported log format, in auto-detection order: formats with a distinctive key first, the
 * looser shapes (Envoy's `start_time`, NGINX's `status` + time) last. Adding a format = one line here.
 */
export const formatAdapters: readonly FormatAdapter[] = [
  canonical,
  otlp,
  kong,
  traefik,
  apigateway,
  apim,
  gcp,
  cloudflare,
  alb,
  envoy,
  nginx,
];

/** Formats of hopwatch's own topics: named where they are read, never detected. */
const internalAdapters: readonly FormatAdapter[] = [resolvedHop];

const namedAdapters: readonly FormatAdapter[] = [...formatAdapters, ...internalAdapters];

/** Asked for every record of a topic whose format is configured (the detect stage's hops topic). */
export function findFormat(name: string): FormatAdapter | undefined {
  return namedAdapters.find((adapter) => adapter.name === name);
}
