import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readJsonBody } from './json-body.js';
import type { NdjsonLine } from './ndjson.js';

async function readAll(chunks: Array<string | Buffer>, maxBytes = 1_000_000, batchLines = 2) {
  const batches: NdjsonLine[][] = [];
  const result = await readJsonBody(Readable.from(chunks), { maxBytes, batchLines }, async (records) => {
    batches.push(records);
  });
  return { result, batches, records: batches.flat() };
}

describe('readJsonBody', () => {
  it('numbers an array of records from 1, taking a string element as a log line as it is', async () => {
    const { result, records } = await readAll([
      '\ufeff [{"a":1}, "[2016-04-15T20:17:00.310Z] \\"GET / HTTP/1.1\\"", null]',
    ]);
    expect(result).toMatchObject({ ok: true, lines: 3 });
    expect(records).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 2, text: '[2016-04-15T20:17:00.310Z] "GET / HTTP/1.1"' },
      { line: 3, text: 'null' },
    ]);
  });

  it('takes one object, or a body that does not parse, as one record as sent', async () => {
    const pretty = '{\n  "resourceSpans": []\n}\n';
    expect((await readAll([pretty])).records).toEqual([{ line: 1, text: pretty.trim() }]);
    expect((await readAll(['{"cut": '])).records).toEqual([{ line: 1, text: '{"cut":' }]);
    expect((await readAll([' \n'])).result).toMatchObject({ ok: true, lines: 0 });
  });

  it('joins a multi-byte character split across chunks, and hands records over in batches', async () => {
    const bytes = Buffer.from('["zoë", "a", "b"]');
    const cut = bytes.indexOf(0xc3) + 1;
    const { batches } = await readAll([bytes.subarray(0, cut), bytes.subarray(cut)]);
    expect(batches.map((batch) => batch.map((record) => record.text))).toEqual([['zoë', 'a'], ['b']]);
  });

  it('stops reading past the byte limit and hands nothing over', async () => {
    const { result, batches } = await readAll(['["a",', '"b",', '"c"]'], 6);
    expect(result).toEqual({ ok: false, reason: 'too_large', bytes: 9, lines: 0 });
    expect(batches).toEqual([]);
  });
});
