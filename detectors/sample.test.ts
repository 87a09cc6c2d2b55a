import { describe, expect, it } from 'vitest';
import {
  addIdToSample,
  addToSample,
  noSample,
  type Sample,
  sampleEntries,
  sampleFrom,
  sampleIds,
} from './sample.js';

const base = Date.UTC(2025, 0, 6, 8);

function sampled(entries: Array<[number, string]>, limit: number): Sample {
  let sample = noSample;
  for (const [ts, id] of entries) sample = addToSample(sample, ts, id, limit);
  return sample;
}

describe('samples', () => {
  it('keep the earliest entries by time, then id, whatever the order they come in', () => {
    const entries: Array<[number, string]> = [
      [base + 500, 'e'],
      [base + 20, 'b'],
      [base + 20, 'a'],
      [base + 9_000, 'f'],
      [base, 'z'],
      [base + 300, 'c'],
    ];
    const sample = sampled(entries, 4);
    expect(sampleIds(sample)).toEqual(['z', 'a', 'b', 'c']);
    expect(sampleEntries(sample)).toEqual([
      { ts: base, id: 'z' },
      { ts: base + 20, id: 'a' },
      { ts: base + 20, id: 'b' },
      { ts: base + 300, id: 'c' },
    ]);
    expect(sampleIds(sampled([...entries].reverse(), 4))).toEqual(sampleIds(sample));
  });

  it('take an entry once, and leave a full sample as it is for a later entry', () => {
    const sample = sampled(
      [
        [base + 1, 'a'],
        [base + 2, 'b'],
      ],
      2,
    );
    expect(addToSample(sample, base + 1, 'a', 2)).toBe(sample);
    expect(addToSample(sample, base + 3, 'c', 2)).toBe(sample);
    expect(sampleIds(addToSample(sample, base, 'c', 2))).toEqual(['c', 'a']);
    expect(sampleIds(sample)).toEqual(['a', 'b']);
  });

  it('name each id once, at its earliest time, whatever the order (the traces behind a finding)', () => {
    const entries: Array<[number, string]> = [
      [base + 5, 'a'],
      [base + 3, 'b'],
      [base + 7, 'a'],
      [base + 9, 'c'],
      [base + 1, 'a'],
      [base + 4, 'b'],
    ];
    const orders = [entries, [...entries].reverse(), [...entries.slice(3), ...entries.slice(0, 3)]];
    for (const order of orders) {
      let sample = noSample;
      for (const [ts, id] of order) sample = addIdToSample(sample, ts, id, 2);
      expect(sampleEntries(sample)).toEqual([
        { ts: base + 1, id: 'a' },
        { ts: base + 3, id: 'b' },
      ]);
    }
    // A later entry of a sampled id leaves the sample as it is.
    const sample = addIdToSample(addIdToSample(noSample, base, 'a', 2), base + 1, 'b', 2);
    expect(addIdToSample(sample, base + 2, 'a', 2)).toBe(sample);
  });

  it('come back from their entries as they were (snapshots)', () => {
    const sample = sampled(
      [
        [base + 7, 'x'],
        [base + 7.5, 'y'],
        [base - 40, 'w'],
      ],
      10,
    );
    const restored = sampleFrom(JSON.parse(JSON.stringify(sampleEntries(sample))));
    expect(restored).toEqual(sample);
    expect(sampleEntries(restored).map(({ ts }) => ts)).toEqual([base - 40, base + 7, base + 7.5]);
    expect(sampleFrom([])).toBe(noSample);
  });
});
