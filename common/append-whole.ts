import type { FileHandle } from 'node:fs/promises';

/** An append failed and cutting the file back failed too: its end is in doubt until a restart drops the cut line. */
export class AppendNotCutError extends Error {
  constructor(failure: unknown, cut: unknown) {
    super(`${(failure as Error).message}; cutting it back failed too (${(cut as Error).message})`, {
      cause: failure,
    });
  }
}

/**
 * Appends `data` to a file of whole lines, `wholeBytes` long, whole or not at all, and syncs it when
 * `sync`. appendFile writes every byte or fails, where a bare write may stop short on a full disk
 * without failing; a failed append (or sync) is cut back to `wholeBytes`, so that no line ever follows
 * a cut one. Rejects with the failure, or with AppendNotCutError when the cut failed as well.
 */
export async function appendWhole(
  file: FileHandle,
  data: string | Uint8Array,
  wholeBytes: number,
  sync: boolean,
): Promise<void> {
  try {
    await file.appendFile(data);
    if (sync) await file.datasync();
  } catch (failure) {
    try {
      await file.truncate(wholeBytes);
    } catch (cut) {
      throw new AppendNotCutError(failure, cut);
    }
    throw failure;
  }
}
