import { describe, expect, it } from 'vitest';
import { KeyedRows, OrderedRows } from './row-queue.js';

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
