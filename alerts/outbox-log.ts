import { createReadStream } from 'node:fs';
import { type FileHandle, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';

type Waiter = { text: string; rewrite: boolean; resolve: () => void; reject: (error: unknown) => void };

export type OutboxLogOptions = {
  path: string;
  /** Lines describing the whole live state: a rewrite replaces the file with them. */
  snapshot: () => Iterable<string>;
  /** Rewrite once this many bytes, or the size after the last rewrite if larger, were appended. */
  compactAfterBytes: number;
};

const REWRITE_CHUNK_CHARS = 1 << 20;

/**
 * An append-only JSON-lines file with group commit: lines handed to `append` while a write is in
 * progress go out together in the next write, under one fdatasync. `append` resolves once its lines
 * are on disk. Compaction writes the snapshot to a temporary file and renames it over the log; as the
 * snapshot already reflects every queued line, a rewrite stands in for the batch it replaces.
 */
export class OutboxLog {
  readonly #options: OutboxLogOptions;
  #handle: FileHandle;
  #queue: Waiter[] = [];
  #draining: Promise<void> | undefined;
  #appendedBytes = 0;
  #sizeAfterRewrite = 0;
  #mustRewrite = false;

  private constructor(options: OutboxLogOptions, handle: FileHandle) {
    this.#options = options;
    this.#handle = handle;
  }

  static async open(options: OutboxLogOptions): Promise<OutboxLog> {
    return new OutboxLog(options, await open(options.path, 'a'));
  }

  append(lines: readonly string[]): Promise<void> {
    return this.#enqueue(lines.length === 0 ? '' : `${lines.join('\n')}\n`, false);
  }

  /** Compacts now (at start-up, or after a failed write left the file in doubt). */
  rewrite(): Promise<void> {
    return this.#enqueue('', true);
  }

  async close(): Promise<void> {
    if (this.#mustRewrite) await this.rewrite().catch(() => undefined);
    await this.#draining;
    await this.#handle.close();
  }

  #enqueue(text: string, rewrite: boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ text, rewrite, resolve, reject });
      this.#kick();
    });
  }

  #kick(): void {
    if (this.#draining !== undefined) return;
    this.#draining = this.#drain().then(() => {
      this.#draining = undefined;
      if (this.#queue.length > 0) this.#kick();
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0);
      try {
        if (this.#mustRewrite || batch.some((waiter) => waiter.rewrite) || this.#grownPastThreshold()) {
          await this.#rewriteFile();
        } else {
          await this.#appendText(batch.map((waiter) => waiter.text).join(''));
        }
        for (const waiter of batch) waiter.resolve();
      } catch (error) {
        // A failed or partial write leaves the tail in doubt: the next batch rewrites the whole file.
        this.#mustRewrite = true;
        for (const waiter of batch) waiter.reject(error);
      }
    }
  }

  #grownPastThreshold(): boolean {
    return this.#appendedBytes > Math.max(this.#options.compactAfterBytes, this.#sizeAfterRewrite);
  }

  async #appendText(text: string): Promise<void> {
    if (text === '') return;
    await this.#handle.appendFile(text);
    await this.#handle.datasync();
    this.#appendedBytes += Buffer.byteLength(text);
  }

  async #rewriteFile(): Promise<void> {
    const { path } = this.#options;
    const temporary = `${path}.tmp`;
    const out = await open(temporary, 'w');
    let size = 0;
    try {
      let chunk = '';
      for (const line of this.#options.snapshot()) {
        chunk += `${line}\n`;
        if (chunk.length >= REWRITE_CHUNK_CHARS) {
          size += await writeChunk(out, chunk);
          chunk = '';
        }
      }
      size += await writeChunk(out, chunk);
      await out.datasync();
    } finally {
      await out.close();
    }
    await rename(temporary, path);
    await syncDirectory(dirname(path));
    const previous = this.#handle;
    this.#handle = await open(path, 'a');
    await previous.close().catch(() => undefined);
    this.#appendedBytes = 0;
    this.#sizeAfterRewrite = size;
    this.#mustRewrite = false;
  }
}

async function writeChunk(out: FileHandle, chunk: string): Promise<number> {
  if (chunk === '') return 0;
  await out.appendFile(chunk);
  return Buffer.byteLength(chunk);
}

// Makes the rename itself durable.
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The lines of an outbox file, none if it does not exist yet. */
export async function* readOutboxLines(path: string): AsyncGenerator<string> {
  const stream = createReadStream(path, { encoding: 'utf8' });
  const opened = new Promise<boolean>((resolve, reject) => {
    stream.once('ready', () => resolve(true));
    stream.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ENOENT' ? resolve(false) : reject(error),
    );
  });
  if (!(await opened)) return;
  for await (const line of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) {
    if (line !== '') yield line;
  }
}
