import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Replaces `file` atomically: a crash leaves either the previous content or this one, never a mix
 * (temporary file, fsync, rename, fsync of the directory so that the rename itself is durable).
 * `text` may come in slices (see stringifyInSlices), written one after the other. Returns the bytes written.
 */
export async function writeFileAtomic(file: string, text: string | readonly string[]): Promise<number> {
  const temporary = `${file}.tmp`;
  const out = await open(temporary, 'w');
  let bytes = 0;
  try {
    for (const slice of typeof text === 'string' ? [text] : text) {
      await out.writeFile(slice);
      bytes += Buffer.byteLength(slice);
    }
    await out.datasync();
  } finally {
    await out.close();
  }
  await rename(temporary, file);
  const directory = await open(dirname(file), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
  return bytes;
}
