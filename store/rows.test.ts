import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PathStep } from '../schemas/resolved-hop.js';
import { makeHop } from '../test/helpers/store-fixtures.js';
import { ColumnBytes } from './column-bytes.js';
import type { ValueWriter } from './native-blocks.js';
import {
  deadLetterRow,
  hopFromRow,
  hopInsertColumns,
  hopJsonRow,
  hopNativeColumns,
  pathText,
  truncateUtf8,
} from './rows.js';

describe('truncateUtf8', () => {
  it('keeps the longest whole-character prefix that fits the byte bound', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.nat(200), (text, maxBytes) => {
        const cut = truncateUtf8(text, maxBytes);
        expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(Math.max(maxBytes, 0));
        expect(text.startsWith(cut)).toBe(true);
        if (Buffer.byteLength(text) <= maxBytes) expect(cut).toBe(text);
        // One more code point would not have fitted.
        const next = String.fromCodePoint(text.slice(cut.length).codePointAt(0) ?? 0);
        if (cut.length < text.length) expect(Buffer.byteLength(cut + next)).toBeGreaterThan(maxBytes);
      }),
    );
  });
});

describe('truncateUtf8 examples', () => {
  it('leaves short text alone and cuts long text to the byte bound', () => {
    expect(truncateUtf8('short', 64)).toBe('short');
    expect(truncateUtf8('é'.repeat(100), 63)).toBe('é'.repeat(31));
    expect(truncateUtf8('x'.repeat(100), 64)).toBe('x'.repeat(64));
  });
});

describe('deadLetterRow', () => {
  it('records the original size of a raw record it cut', () => {
    const row = deadLetterRow({ receivedAt: 1, reason: 'bad', raw: '🙂🙂🙂', source: 'http' }, 9);
    expect(row).toMatchObject({ raw: '🙂🙂', rawBytes: 12 });
  });
});

const pathWriter = hopNativeColumns.find(([name]) => name === 'path')![1] as ValueWriter;

/** The path column's value, as its writer puts it in the column's bytes: its length (LEB128), then its UTF-8 text. */
function pathColumnText(path: readonly PathStep[]): string {
  // Started smaller than any text: every value also moves once as the bytes grow.
  const column = new ColumnBytes(4);
  pathWriter(column, path);
  const bytes = column.written();
  let length = 0;
  let at = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = bytes[at++]!;
    length += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) break;
  }
  expect(bytes.length).toBe(at + length);
  return bytes.subarray(at).toString('utf8');
}

describe('the path column in Native blocks', () => {
  const step = fc.record({
    hopId: fc.string({ unit: 'binary', maxLength: 40 }),
    service: fc.string({ maxLength: 20 }),
    workload: fc.option(fc.string({ unit: 'grapheme', maxLength: 20 }), { nil: undefined }),
    credential: fc.string({ unit: 'binary-ascii', maxLength: 30 }),
  });

  it('is the JSON text JSON.stringify writes, whatever the steps hold', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 6 }), (path) => {
        expect(pathColumnText(path)).toBe(pathText(path));
      }),
    );
  });

  it('takes one, two or three bytes of length as its text needs', () => {
    const of = (size: number): PathStep[] => [
      { hopId: 'h'.repeat(size), service: 'é"\\\n', workload: undefined, credential: '🚀' },
      { hopId: 'x', service: 'café', workload: 'naïve', credential: 'key:ß\ud800' },
    ];
    for (const size of [0, 90, 200, 16_300, 20_000, 2_100_000]) {
      expect(pathColumnText(of(size))).toBe(pathText(of(size)));
    }
  });
});

describe('a hop row', () => {
  const column = (name: string) => hopInsertColumns.indexOf(name);
  // What a read gives back: the values by column name, the path as its text.
  const readBack = (values: unknown[]) =>
    hopFromRow(Object.fromEntries(hopInsertColumns.map((name, index) => [name, values[index]])));

  it("leaves out the path's last step when it is the hop itself, and puts it back when read", () => {
    const root = makeHop(7, 0, 1_700_000_000_000);
    expect(root.path.map((step) => step.hopId)).toEqual([root.id]);
    const values = hopJsonRow(root);
    expect(values[column('path')]).toBe('[]');
    expect(values[column('pathOmitsHop')]).toBe(true);
    expect(readBack(values)).toEqual(root);
  });

  it('keeps the whole path when it ends anywhere else or names the hop otherwise', () => {
    const child = makeHop(7, 1, 1_700_000_000_000);
    const renamed = makeHop(7, 0, 1_700_000_000_000, { source: { agent: 'support-agent' } });
    const ownStep = {
      hopId: renamed.id,
      service: 'svc-0',
      workload: 'support-agent',
      credential: renamed.originCredential,
    };
    for (const hop of [child, { ...renamed, path: [{ ...ownStep, workload: 'another' }] }]) {
      const values = hopJsonRow(hop);
      expect(values[column('path')]).toBe(pathText(hop.path));
      expect(values[column('pathOmitsHop')]).toBe(false);
      expect(readBack(values)).toEqual(hop);
    }
    // An agent without a workload is the caller the step names.
    const byAgent = { ...renamed, path: [ownStep] };
    expect(hopJsonRow(byAgent)[column('pathOmitsHop')]).toBe(true);
    expect(readBack(hopJsonRow(byAgent))).toEqual(byAgent);
  });
});
