import { describe, expect, it } from 'vitest';
import { asStoreError, isTransient } from './errors.js';
import { StoreUnavailableError } from './types.js';

const clickHouseError = (code: string) => Object.assign(new Error(`Code: ${code}. DB::Exception`), { code });

describe('store error classification', () => {
  it('retries what says "not reachable" or "not now", not what would fail the same way again', () => {
    expect(
      isTransient(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' })),
    ).toBe(true);
    expect(isTransient(new Error('ChdbConnection is closed'))).toBe(true);
    expect(isTransient(clickHouseError('252'))).toBe(true); // TOO_MANY_PARTS
    expect(isTransient(clickHouseError('241'))).toBe(true); // MEMORY_LIMIT_EXCEEDED
    expect(isTransient(clickHouseError('62'))).toBe(false); // SYNTAX_ERROR
    expect(isTransient(clickHouseError('60'))).toBe(false); // UNKNOWN_TABLE
  });

  it('turns only infrastructure failures into StoreUnavailableError', () => {
    const refused = asStoreError(new Error('socket hang up'), 'could not list findings');
    expect(refused).toBeInstanceOf(StoreUnavailableError);
    expect((refused as Error).message).toBe('could not list findings: socket hang up');
    const syntax = clickHouseError('62');
    expect(asStoreError(syntax, 'could not list findings')).toBe(syntax);
  });
});
