import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { type InputLine, openInputFile, readInputBatches, readLineBatches, readLines } from './lines.js';

async function collect(
  chunks: Array<string | Buffer>,
  maxLineBytes = 1024,
  file?: string,
): Promise<InputLine[]> {
  const lines: InputLine[] = [];
  for await (const line of readLines(Readable.from(chunks), { maxLineBytes, file })) lines.push(line);
  return lines;
}

describe('reading lines from a stream', () => {
  it('splits on LF and CRLF and keeps a last line without newline', async () => {
    const lines = await collect(['a\r\nb\n', 'c']);
    expect(lines.map(({ line, lineNumber }) => [lineNumber, line])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ]);
  });

  it('joins lines and multi-byte characters split across chunks, and a CR separated from its LF', async () => {
    const bytes = Buffer.from('héllo wörld\r\nnext\n');
    const lines = await collect([
      bytes.subarray(0, 2),
      bytes.subarray(2, 12),
      bytes.subarray(12, 13),
      bytes.subarray(13),
    ]);
    expect(lines.map((entry) => entry.line)).toEqual(['héllo wörld', 'next']);
  });

  it('numbers empty lines too, so that line numbers match the file', async () => {
    const lines = await collect(['a\n\n\nb\n'], 1024, 'x.log');
    expect(lines.map(({ line, lineNumber, file }) => [lineNumber, line, file])).toEqual([
      [1, 'a', 'x.log'],
      [2, '', 'x.log'],
      [3, '', 'x.log'],
      [4, 'b', 'x.log'],
    ]);
  });

  it('skips an over-long line without buffering it, reporting its size, and carries on', async () => {
    const lines = await collect(['short\n', 'x'.repeat(60), 'y'.repeat(60), '\nafter\n'], 100);
    expect(lines).toEqual([
      { line: 'short', lineNumber: 1 },
      { line: '', lineNumber: 2, overflowBytes: 120 },
      { line: 'after', lineNumber: 3 },
    ]);
  });

  it('drops a UTF-8 byte-order mark at the start', async () => {
    const lines = await collect([Buffer.from('\uFEFFfirst\nsecond\n')]);
    expect(lines.map((entry) => entry.line)).toEqual(['first', 'second']);
  });
});

describe('reading lines a chunk at a time', () => {
  it('hands over the lines each chunk completes together, numbered across chunks', async () => {
    const batches: string[][] = [];
    const chunks = ['a\nb\nc', 'd\r\ne\n', 'no newline yet', '\n'];
    for await (const lines of readLineBatches(Readable.from(chunks), { maxLineBytes: 1024 }))
      batches.push(lines.map(({ line, lineNumber }) => `${lineNumber}:${line}`));
    expect(batches).toEqual([['1:a', '2:b'], ['3:cd', '4:e'], ['5:no newline yet']]);
  });
});

describe('openInputFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hopwatch-lines-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('inflates a file whose name ends in .gz, and reads any other as it is', async () => {
    const text = 'first line\nsecond line\r\nthird line';
    writeFileSync(join(dir, 'access.log.gz'), gzipSync(text));
    writeFileSync(join(dir, 'access.log'), text);
    const linesOf = async (file: string) => {
      const read: string[] = [];
      for await (const { line } of readLines(openInputFile(join(dir, file)), { maxLineBytes: 100 }))
        read.push(line);
      return read;
    };
    expect(await linesOf('access.log.gz')).toEqual(['first line', 'second line', 'third line']);
    expect(await linesOf('access.log')).toEqual(await linesOf('access.log.gz'));
  });

  it('says so when a .gz file is not gzip', async () => {
    writeFileSync(join(dir, 'plain.gz'), 'not compressed\n');
    const reading = (async () => {
      for await (const _ of readLines(openInputFile(join(dir, 'plain.gz')), { maxLineBytes: 100 })) void _;
    })();
    await expect(reading).rejects.toThrow(/plain\.gz is not the gzip its name says: incorrect header check/);
  });
});

describe('reading the records of a file: lines, or a pretty-printed JSON array', () => {
  async function records(chunks: Array<string | Buffer>, file?: string): Promise<InputLine[]> {
    const read: InputLine[] = [];
    for await (const batch of readInputBatches(Readable.from(chunks), { maxLineBytes: 1024, file }))
      read.push(...batch);
    return read;
  }

  it('takes the elements of an array whose first line is a lone [, as gcloud and the AWS CLI print them', async () => {
    const printed = JSON.stringify([{ insertId: 'a', n: 1 }, 'a log line', { insertId: 'b' }], null, 2);
    // The first line's newline arrives in a later chunk than its [.
    const read = await records(['\uFEFF[', printed.slice(1, 40), printed.slice(40)], 'requests.json');
    expect(read).toEqual([
      { line: '{"insertId":"a","n":1}', lineNumber: 1, file: 'requests.json' },
      { line: 'a log line', lineNumber: 2, file: 'requests.json' },
      { line: '{"insertId":"b"}', lineNumber: 3, file: 'requests.json' },
    ]);
  });

  it('reads lines as lines: a record a line, one that is an array (a Kong batch) included', async () => {
    const read = await records(['[{"a":1},{"b":2}]\n{"c":3}\n', '[\n']);
    expect(read.map(({ line, lineNumber }) => [lineNumber, line])).toEqual([
      [1, '[{"a":1},{"b":2}]'],
      [2, '{"c":3}'],
      [3, '['],
    ]);
  });

  it('hands on an array that does not parse as one record, for the pipeline to reject with its reason', async () => {
    const read = await records(['[\n  {"insertId": "a"},\n  {"insertId": "b"\n']);
    expect(read).toEqual([{ line: '[\n  {"insertId": "a"},\n  {"insertId": "b"', lineNumber: 1 }]);
  });
});
