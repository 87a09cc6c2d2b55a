import { createReadStream } from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { jsonDocumentRecords } from './json-array.js';
import { defaultMaxRecordBytes } from './normalize.js';
import { withLogRecords } from './otlp-logs.js';

/** Bytes to read lines from: a stream (a file, stdin, a request body), or what yields its chunks. */
type Input = AsyncIterable<Buffer | string>;

/** One line of input; `overflowBytes` is set (and `line` empty) when the line was too long to keep. */
export type InputLine = {
  line: string;
  lineNumber: number;
  file?: string;
  overflowBytes?: number;
  /** See RawRecord.traceId. */
  traceId?: string;
};

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
  const bytes = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, length);
  return decodeRange(bytes, 0, length);
}

/** The line in bytes [start, end) without its CR: decoded in place, with no Buffer made for it. */
function decodeRange(bytes: Buffer, start: number, end: number): string {
  const stop = end > start && bytes[end - 1] === carriageReturn ? end - 1 : end;
  return bytes.toString('utf8', start, stop);
}

/**
 * The lines of a byte stream (a file, stdin, a request body), read chunk by chunk: LF or CRLF
 * endings, a missing final newline, a UTF-8 byte-order mark at the start. Memory stays bounded by
 * `maxLineBytes` plus one chunk, whatever the size of the input. The lines come a chunk's worth at a
 * time: one await per chunk rather than per line, which a detect run over a large file feels.
 */
export async function* readLineBatches(
  input: Input,
  options: LineReaderOptions,
): AsyncGenerator<InputLine[]> {
  const { file, maxLineBytes } = options;
  let pieces: Buffer[] = [];
  let length = 0;
  let overflow = 0;
  let lineNumber = 0;
  const entry = (line: string, overflowBytes?: number): InputLine => {
    lineNumber++;
    const made: InputLine =
      overflowBytes === undefined ? { line, lineNumber } : { line: '', lineNumber, overflowBytes };
    if (file !== undefined) made.file = file;
    if (lineNumber === 1 && made.line.startsWith(byteOrderMark)) made.line = made.line.slice(1);
    return made;
  };
  const finish = (): InputLine => {
    const made = overflow > 0 ? entry('', overflow + length) : entry(decode(pieces, length));
    pieces = [];
    length = 0;
    overflow = 0;
    return made;
  };
  for await (const chunk of input) {
    const buffer: Buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const lines: InputLine[] = [];
    let start = 0;
    while (start < buffer.length) {
      const end = buffer.indexOf(newline, start);
      const stop = end < 0 ? buffer.length : end;
      if (overflow > 0 || length + stop - start > maxLineBytes) {
        overflow += length + stop - start;
        pieces = [];
        length = 0;
      } else if (end >= 0 && length === 0) {
        lines.push(entry(decodeRange(buffer, start, stop)));
        start = end + 1;
        continue;
      } else if (stop > start) {
        pieces.push(buffer.subarray(start, stop));
        length += stop - start;
      }
      if (end < 0) break;
      lines.push(finish());
      start = end + 1;
    }
    if (lines.length > 0) yield lines;
  }
  if (length > 0 || overflow > 0) yield [finish()];
}

/** The non-blank lines of a text (LF or CRLF endings), as a message or a record that batches several holds them. */
export function nonBlankLines(text: string): string[] {
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    const kept = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (kept.trim() !== '') lines.push(kept);
  }
  return lines;
}

/** Lines with each OTLP/JSON log export among them replaced by its log records' lines, on the export's line number. */
export function withLogRecordLines(lines: InputLine[]): InputLine[] {
  return withLogRecords(
    lines,
    ({ line }) => line,
    (input, { text, traceId }) => ({ ...input, line: text, traceId }),
  );
}

/** readInputBatches, one record at a time. */
export async function* readLines(input: Input, options: LineReaderOptions): AsyncGenerator<InputLine> {
  for await (const lines of readInputBatches(input, options)) yield* lines;
}

const stdinName = '-';

/**
 * A file's bytes, inflated when its name ends in `.gz` (rotated and archived access logs, Firehose's
 * S3 objects). A file that is not the gzip its name says fails the read, saying so.
 */
export function openInputFile(file: string, highWaterMark?: number): Input {
  const stream = createReadStream(file, highWaterMark === undefined ? {} : { highWaterMark });
  // pipeline, not pipe: an error on either side ends the read with it.
  return file.endsWith('.gz')
    ? inflated(
        file,
        pipeline(stream, createGunzip(), () => {}),
      )
    : stream;
}

async function* inflated(file: string, stream: Readable): Input {
  try {
    yield* stream;
  } catch (error) {
    if (!(error as { code?: string }).code?.startsWith('Z_')) throw error;
    throw new Error(`${file} is not the gzip its name says: ${(error as Error).message}`);
  }
}

/** Files are read a megabyte at a time: a 64 KB read per turn left a detect run waiting on the disk a sixth of its time. */
const fileChunkBytes = 1024 * 1024;

/** A pretty-printed JSON array is read whole: past this size it is refused, where its records one a line would not be. */
const maxJsonArrayBytes = 256 * 1024 * 1024;
/** How far to look for the end of the first line, which tells a pretty-printed JSON array from lines. */
const headBytes = 64 * 1024;
const arrayBatch = 500;

/**
 * The records of a file or stream: its lines, or, when its first line is a lone `[` (a pretty-printed
 * JSON array, as `gcloud logging read --format=json` and the AWS CLI print them), the array's
 * elements, numbered from 1 in place of lines (see jsonDocumentRecords).
 */
export async function* readInputBatches(
  input: Input,
  options: LineReaderOptions,
): AsyncGenerator<InputLine[]> {
  const chunks = input[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let seen = 0;
  let done = false;
  while (!done && seen < headBytes && !head.some((buffer) => buffer.includes(newline))) {
    const next = await chunks.next();
    if (next.done === true) done = true;
    else {
      const buffer = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
      head.push(buffer);
      seen += buffer.length;
    }
  }
  const whole = async function* (): Input {
    yield* head;
    if (!done) yield* { [Symbol.asyncIterator]: () => chunks };
  };
  if (opensJsonArray(head.length === 1 ? head[0]! : Buffer.concat(head)))
    yield* jsonArrayBatches(whole(), options.file);
  else yield* readLineBatches(whole(), options);
}

function opensJsonArray(head: Buffer): boolean {
  const end = head.indexOf(newline);
  const first = head.toString('utf8', 0, end < 0 ? head.length : end);
  return (first.startsWith(byteOrderMark) ? first.slice(1) : first).trim() === '[';
}

async function* jsonArrayBatches(input: Input, file: string | undefined): AsyncGenerator<InputLine[]> {
  const pieces: Buffer[] = [];
  let length = 0;
  for await (const chunk of input) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    length += buffer.length;
    if (length > maxJsonArrayBytes)
      throw new Error(
        `${file ?? 'standard input'}: a JSON array over ${maxJsonArrayBytes / 1024 ** 2} MiB is not read whole; give one record a line (jq -c '.[]')`,
      );
    pieces.push(buffer);
  }
  const records = jsonDocumentRecords(Buffer.concat(pieces, length).toString('utf8'));
  for (let start = 0; start < records.length; start += arrayBatch) {
    yield records.slice(start, start + arrayBatch).map((line, index) => ({
      line,
      lineNumber: start + index + 1,
      ...(file === undefined ? {} : { file }),
    }));
  }
}

/** The records of every file in turn, or of standard input when no file (or `-`) is named, a chunk's worth at a time. */
export async function* inputLines(files: readonly string[]): AsyncGenerator<InputLine[]> {
  for (const file of files.length === 0 ? [stdinName] : files) {
    const stream = file === stdinName ? process.stdin : openInputFile(file, fileChunkBytes);
    const name = file === stdinName ? undefined : file;
    yield* readInputBatches(stream, {
      maxLineBytes: defaultMaxRecordBytes,
      ...(name === undefined ? {} : { file: name }),
    });
  }
}
