import { describe, expect, it } from 'vitest';
import type { PathStep } from '../schemas/resolved-hop.js';
import { RowBinaryEncoder } from './row-binary.js';
import { KeyedRows, OrderedRows } from './row-queue.js';
import { hopBinaryTypes, hopInsertColumns, pathText } from './rows.js';

const json = { format: 'JSONEachRow' } as const;
const text = (rows: readonly Buffer[]) => Buffer.concat(rows).toString();

describe('rows waiting in arrival order', () => {
  it('hands out the head, removes it only once written, and counts rows rather than pieces', () => {
    const queue = new OrderedRows('t', json);
    for (let index = 0; index < 5; index++) queue.push(`row ${index}\n`);
    const first = queue.take(3);
    expect(first.count).toBe(3);
    expect(text(first.rows)).toBe('row 0\nrow 1\nrow 2\n');
    expect(queue.size()).toBe(5);
    // A failed INSERT is taken again, unchanged, with rows pushed meanwhile behind it.
    queue.push(Buffer.from('row 5\n'));
    expect(text(queue.take(3).rows)).toBe('row 0\nrow 1\nrow 2\n');
    first.written();
    expect(queue.size()).toBe(3);
    const rest = queue.take(10);
    expect([rest.count, text(rest.rows)]).toEqual([3, 'row 3\nrow 4\nrow 5\n']);
    rest.written();
    expect(queue.size()).toBe(0);
    expect(queue.take(10)).toMatchObject({ count: 0, rows: [] });
  });

  it('keeps rows whole across chunks, a row longer than a chunk included, and copies what it is given', () => {
    const queue = new OrderedRows('t', json);
    const reused = Buffer.alloc(100_000);
    const expected: string[] = [];
    for (let index = 0; index < 12; index++) {
      reused.fill(97 + index);
      const row = index === 7 ? Buffer.alloc(600_000, 122) : reused;
      queue.push(row);
      expected.push(row.toString());
    }
    queue.push('é\n');
    expected.push('é\n');
    let read = '';
    while (queue.size() > 0) {
      const taken = queue.take(5);
      read += text(taken.rows);
      taken.written();
    }
    expect(read).toBe(expected.join(''));
  });
});

/** RowBinary of a String, written out by hand: its UTF-8 length (LEB128), then its bytes. */
function binaryString(text: string): Buffer {
  const bytes = Buffer.from(text);
  const length: number[] = [];
  let rest = bytes.length;
  for (; rest >= 0x80; rest = Math.floor(rest / 0x80)) length.push((rest & 0x7f) | 0x80);
  length.push(rest);
  return Buffer.concat([Buffer.from(length), bytes]);
}

describe('rows encoded in place', () => {
  it('writes each row once where it is queued, moving one that outgrows its chunk whole, a text being built included', () => {
    const path = hopBinaryTypes[hopInsertColumns.indexOf('path')]!;
    const encoder = new RowBinaryEncoder(['String', 'UInt32', path]);
    const queue = new OrderedRows('t', { format: 'RowBinary', columns: ['a', 'b', 'c'] });
    const expected: Buffer[] = [];
    const steps = (count: number, width: number): PathStep[] =>
      Array.from({ length: count }, (_, index) => ({
        hopId: `${index}`.padStart(width, 'h'),
        service: 'tickets',
        credential: 'key:é',
      }));
    for (let index = 0; index < 3_000; index++) {
      // Rows of every size, one longer than a chunk (256 KB) in its text, one in its path (moved again as it grows).
      const text = index === 1_200 ? 'x'.repeat(300_000) : 'é'.repeat(index % 300);
      const path = steps(index === 2_100 ? 30_000 : index % 4, 1 + (index % 40));
      queue.pushEncoded(encoder, [text, index, path]);
      const number = Buffer.alloc(4);
      number.writeUInt32LE(index);
      expected.push(binaryString(text), number, binaryString(pathText(path)));
    }
    expect(queue.size()).toBe(3_000);
    const read: Buffer[] = [];
    while (queue.size() > 0) {
      const taken = queue.take(700);
      read.push(...taken.rows);
      taken.written();
    }
    expect(Buffer.concat(read).equals(Buffer.concat(expected))).toBe(true);
  });
});

describe('rows waiting by key', () => {
  it('replaces a waiting row pushed again under its key, and keeps one replaced while it was being written', () => {
    const queue = new KeyedRows('t', json);
    queue.push('a', Buffer.from('a1\n'));
    queue.push('b', Buffer.from('b1\n'));
    queue.push('a', Buffer.from('a2\n'));
    const taken = queue.take(10);
    expect([taken.count, text(taken.rows)]).toEqual([2, 'a2\nb1\n']);
    queue.push('b', Buffer.from('b2\n'));
    taken.written();
    expect(text(queue.take(10).rows)).toBe('b2\n');
  });
});
