import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJsonBytes, readJsonFile } from './json-file.js';

const documents: unknown[] = [
  {
    engine: {
      traces: [
        ['t1', [1, 2.5, -3e-7]],
        ['t2', []],
      ],
      windows: {},
    },
    offsets: { 'a,b': { '0': '12' } },
  },
  [{ text: 'brackets ] } [ { inside, "quoted", and a \\ backslash:' }, null, true, false, 0, []],
  { 'ünïcödé 🚀': ['é', '\u2028', '\u0000', 'line\nbreak'], nested: [[[[{ deep: [1, [2, [3]]] }]]]] },
  { ['__proto__']: { polluted: true }, after: 1 },
  {
    traces: Array.from({ length: 500 }, (_, index) => [
      `t${index}`,
      { n: index, s: ',]}"'.repeat(index % 4) },
    ]),
  },
];

describe('JSON larger than a string', () => {
  it('parses piece by piece exactly what JSON.parse gives, whatever the piece size', () => {
    for (const document of documents) {
      const text = JSON.stringify(document, null, 1);
      for (const maxPiece of [1, 8, 64, 200, 1 << 20]) {
        const parsed = parseJsonBytes(Buffer.from(text), maxPiece);
        expect(parsed).toEqual(JSON.parse(text));
        expect(JSON.stringify(parsed)).toBe(JSON.stringify(JSON.parse(text)));
      }
    }
    const own = parseJsonBytes(Buffer.from('{"__proto__":{"polluted":true}}'), 1) as Record<string, unknown>;
    expect(Object.getPrototypeOf(own)).toBe(Object.prototype);
    expect(Object.hasOwn(own, '__proto__')).toBe(true);
  });

  it('refuses what JSON.parse refuses: cut short, unbalanced, trailing commas, bare keys', () => {
    for (const bad of [
      '{"a":[1,2',
      '[1,2]]',
      '[1,]',
      '[,1]',
      '[1,,2]',
      '{"a":1,}',
      '{a:1}',
      '{"a" 1}',
      '{1:2}',
      '["open]',
    ]) {
      expect(() => JSON.parse(bad)).toThrow(SyntaxError);
      expect(() => parseJsonBytes(Buffer.from(bad), 1)).toThrow(SyntaxError);
    }
  });

  it('reads a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hopwatch-json-file-'));
    try {
      const file = join(dir, 'state.json');
      writeFileSync(file, JSON.stringify(documents[0]));
      expect(await readJsonFile(file)).toEqual(documents[0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
