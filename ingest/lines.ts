import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { defaultMaxRecordBytes } from './normalize.js';

/** One line of input; `overflowBytes` is set (and `line` empty) when the line was too long to keep. */
export type InputLine = { line: string; lineNumber: number; file?: string; overflowBytes?: number };

export type LineReaderOptions = {
  /** Shown on every line, for reports. */
  file?: string;
  /** Longer lines are skipped, not buffered: one endless line cannot exhaust memory. */
  maxLineBytes: number;
};

const newline = 10;
const carriageReturn = 13;
const byteOrderMark = '\uFEFF';

function decode(pieces: Buffer[], length: number): string {
  let bytes = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, length);
  if (length > 0 && bytes[length - 1] === carriageReturn) bytes = bytes.subarray(0, length - 1);
  return bytes.toString('utf8');
}

/**
 * The lines of a byte stream (a file, stdin, a request body), read chunk by chunk: LF or CRLF
 * endings, a missing final newline, a UTF-8 byte-order mark at the start. Memory stays bounded by
 * `maxLineBytes` plus one chunk, whatever the size of the input.
 */
export async function* readLines(input: Readable, options: LineReaderOptions): AsyncGenerator<InputLine> {
  const { file, maxLineBytes } = options;
  let pieces: Buffer[] = [];
  let length = 0;
  let overflow = 0;
  let lineNumber = 0;
  const finish = (): InputLine => {
    lineNumber++;
    const entry: InputLine =
      overflow > 0
        ? { line: '', lineNumber, overflowBytes: overflow + length }
        : { line: decode(pieces, length), lineNumber };
    if (file !== undefined) entry.file = file;
    if (lineNumber === 1 && entry.line.startsWith(byteOrderMark)) entry.line = entry.line.slice(1);
    pieces = [];
    length = 0;
    overflow = 0;
    return entry;
  };
  for await (const chunk of input) {
    const buffer: Buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = 0;
    while (start < buffer.length) {
      const end = buffer.indexOf(newline, start);
      const piece = buffer.subarray(start, end < 0 ? buffer.length : end);
      if (overflow > 0 || length + piece.length > maxLineBytes) {
        overflow += length + piece.length;
        pieces = [];
        length = 0;
      } else if (piece.length > 0) {
        pieces.push(piece);
        length += piece.length;
      }
      if (end < 0) break;
      yield finish();
      start = end + 1;
    }
  }
  if (length > 0 || overflow > 0) yield finish();
}

const stdinName = '-';

/** The lines of every file in turn, or of standard input when no file (or `-`) is named. */
export async function* inputLines(files: readonly string[]): AsyncGenerator<InputLine> {
  for (const file of files.length === 0 ? [stdinName] : files) {
    const stream = file === stdinName ? process.stdin : createReadStream(file);
    const name = file === stdinName ? undefined : file;
    yield* readLines(stream, {
      maxLineBytes: defaultMaxRecordBytes,
      ...(name === undefined ? {} : { file: name }),
    });
  }
}
