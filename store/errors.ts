import { describeError } from '../common/errors.js';
import { StoreUnavailableError } from './types.js';

/**
 * ClickHouse error codes that describe the store's state rather than the request: waiting and
 * retrying can succeed. (Timeouts, overload, memory, too many parts, read-only replica, Keeper,
 * network.) Other ClickHouse errors — bad SQL, a type or parse mismatch — fail the same way again.
 */
const transientClickHouseCodes = new Set([
  '159',
  '164',
  '202',
  '203',
  '209',
  '210',
  '236',
  '241',
  '242',
  '243',
  '252',
  '279',
  '285',
  '319',
  '394',
  '425',
  '999',
  '1000',
]);

/** The error of a ClickHouse server or chDB carries a numeric code (chDB's and the client's own classes differ). */
function clickHouseCode(error: unknown): string | null {
  if (!(error instanceof Error) || !('code' in error)) return null;
  const code = (error as { code: unknown }).code;
  return typeof code === 'string' && /^\d+$/.test(code) ? code : null;
}

/**
 * Worth retrying: no answer at all (refused, reset, timed out, a closed embedded engine) or an
 * answer that says "not now".
 */
export function isTransient(error: unknown): boolean {
  const code = clickHouseCode(error);
  return code === null || transientClickHouseCodes.has(code);
}

/** Infrastructure failures become StoreUnavailableError (HTTP 503, paused intake); other errors stay as they are. */
export function asStoreError(error: unknown, action: string): unknown {
  if (error instanceof StoreUnavailableError || !isTransient(error)) return error;
  return new StoreUnavailableError(`${action}: ${describeError(error)}`, { cause: error });
}
