/** Where a findings page ended: findings are listed by (windowEnd, id) descending, so the next page starts below it. */
export type FindingCursor = { windowEnd: number; id: string };

/** A cursor that this store did not produce; the API answers 400 (fastify reads `statusCode`). */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
  readonly statusCode = 400;
}

export function encodeCursor(cursor: FindingCursor): string {
  return Buffer.from(JSON.stringify([cursor.windowEnd, cursor.id])).toString('base64url');
}

export function decodeCursor(text: string): FindingCursor {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('cursor is not one returned by this API');
  }
  if (
    !Array.isArray(value) ||
    value.length !== 2 ||
    !Number.isSafeInteger(value[0]) ||
    typeof value[1] !== 'string' ||
    value[1].length === 0
  ) {
    throw new InvalidCursorError('cursor is not one returned by this API');
  }
  return { windowEnd: value[0] as number, id: value[1] };
}
