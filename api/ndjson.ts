import { StringDecoder } from 'node:string_decoder';

/** One non-blank line of an NDJSON body; `line` is 1-based and counts blank lines, as an editor would. */
export type NdjsonLine = { line: number; text: string; traceId?: string };

export type NdjsonReadResult =
  | { ok: true; bytes: number; lines: number }
  | { ok: false; reason: 'too_large'; bytes: number; lines: number };

export type NdjsonReadOptions = {
  /** Reading stops, unread, as soon as the body passes this many bytes. */
  maxBytes: number;
  /** Lines handed over per batch; the stream is not read while a batch is being handled. */
  batchLines: number;
};

/**
 * Streams a body line by line without buffering it: batches of lines go to `onBatch`, which is
 * awaited before more is read, so a slow pipeline slows the client down instead of filling memory.
 */
export async function readNdjson(
  body: AsyncIterable<Buffer | string>,
  options: NdjsonReadOptions,
  onBatch: (lines: NdjsonLine[]) => Promise<void>,
): Promise<NdjsonReadResult> {
  const decoder = new StringDecoder('utf8');
  let bytes = 0;
  let lineNumber = 0;
  let carry = '';
  let batch: NdjsonLine[] = [];

  const take = (text: string): void => {
    lineNumber += 1;
    const trimmed = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (trimmed.trim() !== '') batch.push({ line: lineNumber, text: trimmed });
  };
  const handOver = async (): Promise<void> => {
    if (batch.length === 0) return;
    const full = batch;
    batch = [];
    await onBatch(full);
  };

  for await (const chunk of body) {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    if (bytes > options.maxBytes) {
      await handOver();
      return { ok: false, reason: 'too_large', bytes, lines: lineNumber };
    }
    let text = carry + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
    if (lineNumber === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    let start = 0;
    let newline = text.indexOf('\n', start);
    while (newline !== -1) {
      take(text.slice(start, newline));
      if (batch.length >= options.batchLines) await handOver();
      start = newline + 1;
      newline = text.indexOf('\n', start);
    }
    carry = text.slice(start);
  }
  carry += decoder.end();
  if (carry !== '') take(carry);
  await handOver();
  return { ok: true, bytes, lines: lineNumber };
}
