import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type NdjsonLine, readNdjson } from './ndjson.js';

async function readAll(chunks: Array<string | Buffer>, maxBytes = 1_000_000, batchLines = 2) {
  const batches: NdjsonLine[][] = [];
  const result = await readNdjson(Readable.from(chunks), { maxBytes, batchLines }, async (lines) => {
    batches.push(lines);
  });
  return { result, batches, lines: batches.flat() };
}

describe('readNdjson', () => {
  it('numbers lines as an editor does, skipping blank ones and CRLF endings', async () => {
    const { result, lines } = await readAll(['{"a":1}\r\n\n  \n{"b":2}\n{"c":3}']);
    expect(result).toEqual({ ok: true, bytes: 28, lines: 5 });
    expect(lines).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 4, text: '{"b":2}' },
      { line: 5, text: '{"c":3}' },
    ]);
  });

  it('joins a line and a multi-byte character split across chunks', async () => {
    const bytes = Buffer.from('{"name":"zoë"}\n{"x":1}\n');
    const cut = bytes.indexOf(0xc3) + 1;
    const { lines } = await readAll([bytes.subarray(0, 3), bytes.subarray(3, cut), bytes.subarray(cut)]);
    expect(lines.map((line) => line.text)).toEqual(['{"name":"zoë"}', '{"x":1}']);
  });

  it('hands lines over in batches of the configured size', async () => {
    const { batches } = await readAll(['1\n2\n3\n4\n5\n'], 1_000, 2);
    expect(batches.map((batch) => batch.length)).toEqual([2, 2, 1]);
  });

  it('strips a byte order mark at the start of the body', async () => {
    const { lines } = await readAll(['\ufeff{"a":1}\n']);
    expect(lines[0]?.text).toBe('{"a":1}');
  });

  it('stops reading once the body passes the limit, after handing over what came before', async () => {
    const { result, lines } = await readAll(['{"a":1}\n', '{"b":2}\n', 'x'.repeat(50)], 20);
    expect(result).toMatchObject({ ok: false, reason: 'too_large' });
    expect(lines.map((line) => line.text)).toEqual(['{"a":1}', '{"b":2}']);
  });
});
