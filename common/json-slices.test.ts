import { describe, expect, it } from 'vitest';
import { writeJsonInSlices } from './json-slices.js';

async function stringifyInSlices(value: unknown): Promise<string[]> {
  const slices: string[] = [];
  await writeJsonInSlices(value, async (slice) => {
    slices.push(slice);
  });
  return slices;
}

describe('writeJsonInSlices', () => {
  it('joins to exactly what JSON.stringify writes, undefined, dates and nesting included', async () => {
    const value = {
      a: 1,
      skipped: undefined,
      list: [1, undefined, 'x', { deep: { deeper: { deepest: [1, 2, { leaf: true }] } } }],
      when: new Date(0),
      nested: { empty: {}, none: null, text: 'quote " and \\ slash', nan: Number.NaN },
    };
    expect((await stringifyInSlices(value)).join('')).toBe(JSON.stringify(value));
    expect((await stringifyInSlices([])).join('')).toBe('[]');
    expect((await stringifyInSlices('plain')).join('')).toBe('"plain"');
  });

  it('cuts a large state into slices of about a megabyte', async () => {
    const traces = Array.from({ length: 20_000 }, (_, index) => ({
      id: `trace-${index}`,
      nodes: ['x'.repeat(100)],
    }));
    const slices = await stringifyInSlices({ engine: { lineage: { traces } } });
    expect(slices.length).toBeGreaterThan(1);
    expect(slices.join('')).toBe(JSON.stringify({ engine: { lineage: { traces } } }));
  });
});
