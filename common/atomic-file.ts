import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * A file replaced atomically once it is complete: written to `<file>.tmp` piece by piece (so that a
 * large state never has to be one string in memory), then fsync, rename and fsync of the directory
 * so that the rename itself is durable. A crash leaves the previous content or the new one, never a mix.
 */
export class AtomicFile {
  private bytes = 0;

  private constructor(
    private readonly file: string,
    private readonly out: FileHandle,
  ) {}

  static async open(file: string): Promise<AtomicFile> {
    return new AtomicFile(file, await open(`${file}.tmp`, 'w'));
  }

  async write(text: string): Promise<void> {
    await this.out.writeFile(text);
    this.bytes += Buffer.byteLength(text);
  }

  /** Makes the written content the file's; returns its size in bytes. */
  async commit(): Promise<number> {
    try {
      await this.out.datasync();
    } finally {
      await this.out.close();
    }
    await rename(`${this.file}.tmp`, this.file);
    const directory = await open(dirname(this.file), 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
    return this.bytes;
  }

  /** Leaves the file as it was. */
  async abort(): Promise<void> {
    await this.out.close().catch(() => undefined);
    await rm(`${this.file}.tmp`, { force: true });
  }
}

/** Replaces `file` atomically with `text`; returns the bytes written. */
export async function writeFileAtomic(file: string, text: string): Promise<number> {
  const out = await AtomicFile.open(file);
  try {
    await out.write(text);
  } catch (error) {
    await out.abort();
    throw error;
  }
  return out.commit();
}
