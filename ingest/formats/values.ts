/** Readers for loosely typed log values: typed or string-typed JSON, `-`/null/"" as missing. */

import type { JsonObject } from '../../common/json.js';

export { isObject, type JsonObject } from '../../common/json.js';

/** A present string (not empty, not `-`); any other type is junk where a string belongs. */
export function text(value: unknown): string | undefined {
  return typeof value !== 'string' || value.length === 0 || value === '-' ? undefined : value;
}

/** A status code logged as a string (`"7"`, `"PermissionDenied"`) or, in typed JSON, as a number. */
export function statusCode(value: unknown): string | undefined {
  return typeof value === 'number' ? (Number.isInteger(value) ? String(value) : undefined) : text(value);
}

/** A timestamp as logged: a present string or a finite number. */
export function timeValue(value: unknown): string | number | undefined {
  return typeof value === 'number' ? (Number.isFinite(value) ? value : undefined) : text(value);
}

/** A finite number, from a JSON number or a numeric string; missing markers and junk give nothing. */
export function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || value.length === 0 || value === '-') return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** The first key of `keys` with a present text value: one alias table serves several spellings. */
export function firstText(record: JsonObject, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = text(record[key]);
    if (value !== undefined) return value;
  }
  return undefined;
}

export function firstNumeric(record: JsonObject, keys: readonly string[]): number | undefined {
  for (const key of keys) {
    const value = numeric(record[key]);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** The path of a request target without query or fragment: query strings carry keys and tokens. */
export function pathOnly(target: string): string {
  const query = target.indexOf('?');
  const fragment = target.indexOf('#');
  const end = query < 0 ? fragment : fragment < 0 ? query : Math.min(query, fragment);
  return end < 0 ? target : target.slice(0, end);
}

/**
 * An absolute URL's authority (userinfo cut: never kept) and the target after it; a bare target is the
 * target; no URL, nothing.
 */
export function urlParts(url: string | undefined): { authority?: string; target?: string } {
  if (url === undefined) return {};
  const scheme = url.indexOf('://');
  if (scheme < 0) return { target: url };
  const pathStart = url.indexOf('/', scheme + 3);
  const authority = url.slice(scheme + 3, pathStart < 0 ? url.length : pathStart);
  return {
    authority: text(authority.slice(authority.lastIndexOf('@') + 1)),
    target: pathStart < 0 ? '/' : url.slice(pathStart),
  };
}

/** The host of `ip:port`, `[v6]:port` or `scheme://user@host:port`; a bare IPv6 address is kept whole. */
export function hostOnly(address: string): string {
  const scheme = address.indexOf('://');
  const authority = scheme < 0 ? address : address.slice(scheme + 3);
  // Userinfo (`user:pass@`) is never part of the host, and never kept.
  const rest = authority.slice(authority.lastIndexOf('@') + 1);
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    return close < 0 ? rest : rest.slice(1, close);
  }
  const colon = rest.indexOf(':');
  if (colon < 0 || rest.indexOf(':', colon + 1) >= 0) return rest;
  return rest.slice(0, colon);
}

/** The original client of an `X-Forwarded-For` list (its first entry). */
export function firstForwardedFor(value: string): string | undefined {
  const comma = value.indexOf(',');
  const first = (comma < 0 ? value : value.slice(0, comma)).trim();
  return first.length === 0 || first === '-' ? undefined : first;
}

/** A header value that may have been logged as a list (repeated header): its first string. */
export function headerText(value: unknown): string | undefined {
  if (Array.isArray(value)) return text(value[0]);
  return text(value);
}
