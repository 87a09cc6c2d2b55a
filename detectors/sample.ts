/** A hop id with its event time: samples keep the earliest, so that evidence is the same on every replay. */
export type Sampled = { ts: number; id: string };

declare const sampleBrand: unique symbol;

/**
 * The earliest ids a window saw with their event times, earliest first (then by id). Windows hold
 * many samples, so a sample is one flat array of exact length: the earliest entry's time and id, then
 * each later entry's time after the earliest and its id. Those offsets are small integers, which V8
 * keeps inside the array, where an object per entry holding a boxed epoch time took about three times
 * the memory (a full sample of ten: 688 bytes, now 224). Never changed in place: addToSample returns
 * a new one, so a window that samples nothing shares `noSample`.
 */
export type Sample = readonly (number | string)[] & { readonly [sampleBrand]: true };

export const noSample = Object.freeze([]) as unknown as Sample;

function sizeOf(sample: Sample): number {
  return sample.length / 2;
}

function tsAt(sample: Sample, index: number): number {
  const earliest = sample[0] as number;
  return index === 0 ? earliest : earliest + (sample[2 * index] as number);
}

function idAt(sample: Sample, index: number): string {
  return sample[2 * index + 1] as string;
}

function isEarlier(ts: number, id: string, sample: Sample, index: number): boolean {
  const than = tsAt(sample, index);
  return ts < than || (ts === than && id < idAt(sample, index));
}

/** `sample` with `id` added if it is among the `limit` earliest. */
export function addToSample(sample: Sample, ts: number, id: string, limit: number): Sample {
  const size = sizeOf(sample);
  // A full sample (limit ≥ 1, maxSamples is positive) keeps a later entry out.
  if (size >= limit && !isEarlier(ts, id, sample, size - 1)) return sample;
  let index = size;
  while (index > 0 && isEarlier(ts, id, sample, index - 1)) index--;
  // Everything from `index` on is later: a copy of the entry can only be just before it.
  if (index > 0 && idAt(sample, index - 1) === id && tsAt(sample, index - 1) === ts) return sample;
  const kept = Math.min(size + 1, limit);
  const flat = emptySample(kept);
  const earliest = index === 0 ? ts : tsAt(sample, 0);
  for (let to = 0, from = 0; to < kept; to++) {
    if (to === index) put(flat, to, ts, id, earliest);
    else {
      put(flat, to, tsAt(sample, from), idAt(sample, from), earliest);
      from++;
    }
  }
  return flat as unknown as Sample;
}

/**
 * `sample` with `id` at its earliest time, each id once: the `limit` ids first seen earliest, whatever
 * the order their entries come in (a sample of the traces behind a finding names each trace once).
 */
export function addIdToSample(sample: Sample, ts: number, id: string, limit: number): Sample {
  const size = sizeOf(sample);
  // Full, and later than every entry (its id's too, if sampled): nothing changes, and no id is compared.
  if (size >= limit && ts > tsAt(sample, size - 1)) return sample;
  for (let index = 0; index < size; index++) {
    if (idAt(sample, index) !== id) continue;
    if (tsAt(sample, index) <= ts) return sample;
    // An earlier entry of an id already sampled (out of order within the lateness): it moves up.
    const others = sampleEntries(sample).filter((_, at) => at !== index);
    return addToSample(sampleFrom(others), ts, id, limit);
  }
  return addToSample(sample, ts, id, limit);
}

/** A sample of entries already in order (a snapshot's). */
export function sampleFrom(entries: readonly Sampled[]): Sample {
  if (entries.length === 0) return noSample;
  const flat = emptySample(entries.length);
  const earliest = entries[0]!.ts;
  for (const [index, { ts, id }] of entries.entries()) put(flat, index, ts, id, earliest);
  return flat as unknown as Sample;
}

/** Room for `size` entries, reserved at once: an array grown by push reserves more than it holds. */
function emptySample(size: number): Array<number | string> {
  return new Array<number | string>(size * 2);
}

function put(flat: Array<number | string>, index: number, ts: number, id: string, earliest: number): void {
  flat[2 * index] = index === 0 ? ts : ts - earliest;
  flat[2 * index + 1] = id;
}

/** The entries, for a snapshot. */
export function sampleEntries(sample: Sample): Sampled[] {
  return Array.from({ length: sizeOf(sample) }, (_, index) => ({
    ts: tsAt(sample, index),
    id: idAt(sample, index),
  }));
}

export function sampleIds(sample: Sample): string[] {
  return Array.from({ length: sizeOf(sample) }, (_, index) => idAt(sample, index));
}
