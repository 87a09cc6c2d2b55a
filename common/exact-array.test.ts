import { describe, expect, it } from 'vitest';
import { appended } from './exact-array.js';

describe('appended', () => {
  it('copies the items with one or two more at the end, leaving the original as it was', () => {
    const items = ['a', 1];
    expect(appended(items, 'b')).toEqual(['a', 1, 'b']);
    expect(appended(items, 'b', 2)).toEqual(['a', 1, 'b', 2]);
    expect(appended([], 'only')).toEqual(['only']);
    expect(items).toEqual(['a', 1]);
  });

  it('has no holes: every index up to its length is set', () => {
    const copy = appended([1, 2, 3], 4, 5);
    expect(copy).toHaveLength(5);
    expect(Object.keys(copy)).toEqual(['0', '1', '2', '3', '4']);
  });
});
