import { stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { type InputLine, openInputFile, readLines, withLogRecordLines } from '../ingest/lines.js';
import { autoFormat, defaultMaxRecordBytes, formatNames, normalizeRecord } from '../ingest/normalize.js';

type NormalizeCliOptions = { format: string; maxRecordBytes: string };
type Summary = { records: number; events: number; rejected: number };

const flushBytes = 64 * 1024;

/**
 * Buffers NDJSON lines and writes them in large chunks; `write` returns a promise only when the
 * stream asks to wait (backpressure), so the fast path costs no await. A closed pipe (`| head`)
 * ends the run quietly instead of crashing it.
 */
class NdjsonWriter {
  private pending = '';
  closed = false;

  constructor(private readonly stream: Writable) {
    stream.on('error', () => {
      this.closed = true;
    });
  }

  write(line: string): Promise<void> | undefined {
    this.pending += `${line}\n`;
    return this.pending.length >= flushBytes ? this.flush() : undefined;
  }

  flush(): Promise<void> | undefined {
    if (this.pending.length === 0 || this.closed) return undefined;
    const ready = this.stream.write(this.pending);
    this.pending = '';
    if (ready) return undefined;
    return new Promise((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
    });
  }
}

type Run = { format: string; maxRecordBytes: number; out: NdjsonWriter; err: NdjsonWriter; summary: Summary };

function rejection(entry: InputLine, reason: string): string {
  return JSON.stringify(
    entry.file === undefined
      ? { line: entry.lineNumber, reason }
      : { line: entry.lineNumber, file: entry.file, reason },
  );
}

async function normalizeLines(lines: AsyncIterable<InputLine>, run: Run): Promise<void> {
  for await (const line of lines) {
    if (run.out.closed) return;
    for (const entry of withLogRecordLines([line])) await normalizeEntry(entry, run);
  }
}

/** One record: its HopEvents to stdout, or why not to stderr. */
async function normalizeEntry(entry: InputLine, run: Run): Promise<void> {
  const { out, err, summary } = run;
  if (entry.overflowBytes === undefined && entry.line.trim().length === 0) return;
  summary.records++;
  const result =
    entry.overflowBytes === undefined
      ? normalizeRecord(entry.line, {
          format: run.format,
          now: Date.now(),
          maxRecordBytes: run.maxRecordBytes,
          traceId: entry.traceId,
        })
      : ({ ok: false, reason: `record is longer than ${run.maxRecordBytes} bytes` } as const);
  if (!result.ok) {
    summary.rejected++;
    await err.write(rejection(entry, result.reason));
    return;
  }
  summary.events += result.events.length;
  for (const event of result.events) await out.write(JSON.stringify(event));
}

async function unreadable(file: string): Promise<string | undefined> {
  try {
    const info = await stat(file);
    return info.isDirectory() ? `${file} is a directory` : undefined;
  } catch (error) {
    return `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
  }
}

function parseOptions(
  program: Command,
  options: NormalizeCliOptions,
): { format: string; maxRecordBytes: number } {
  if (!formatNames.includes(options.format)) {
    program.error(`unknown format "${options.format}"; use one of ${formatNames.join(', ')}`, {
      exitCode: 2,
    });
  }
  const maxRecordBytes = Number(options.maxRecordBytes);
  if (!Number.isSafeInteger(maxRecordBytes) || maxRecordBytes <= 0) {
    program.error('--max-record-bytes must be a positive integer', { exitCode: 2 });
  }
  return { format: options.format, maxRecordBytes };
}

async function normalizeCommand(
  program: Command,
  files: string[],
  options: NormalizeCliOptions,
): Promise<void> {
  const settings = parseOptions(program, options);
  for (const file of files) {
    const problem = await unreadable(file);
    if (problem !== undefined) program.error(problem, { exitCode: 2 });
  }
  const summary: Summary = { records: 0, events: 0, rejected: 0 };
  const run: Run = {
    ...settings,
    out: new NdjsonWriter(process.stdout),
    err: new NdjsonWriter(process.stderr),
    summary,
  };
  const reader = { maxLineBytes: settings.maxRecordBytes };
  try {
    if (files.length === 0) await normalizeLines(readLines(process.stdin, reader), run);
    for (const file of files) await normalizeLines(readLines(openInputFile(file), { ...reader, file }), run);
  } catch (error) {
    process.exitCode = 2;
    await run.err.write(JSON.stringify({ error: `input failed: ${(error as Error).message}` }));
  }
  await run.out.flush();
  await run.err.write(JSON.stringify(summary));
  await run.err.flush();
}

/** `hopwatch normalize [files…]`: access-log records in, canonical HopEvent NDJSON out. */
export function register(program: Command): void {
  program
    .command('normalize')
    .description(
      'Turn access-log records (Envoy, Istio, Kong, NGINX, Traefik, OTLP/JSON or canonical) into canonical ' +
        'HopEvent NDJSON on stdout. Rejected records go to stderr as {"line","file","reason"}, then a summary.',
    )
    .argument('[files...]', 'files to read, one record per line (default: stdin)')
    .option('--format <name>', `record format: ${formatNames.join(', ')}`, autoFormat)
    .option(
      '--max-record-bytes <bytes>',
      'reject longer records without reading them',
      String(defaultMaxRecordBytes),
    )
    .action((files: string[], options: NormalizeCliOptions) => normalizeCommand(program, files, options));
}
