/** A hop id with its event time: samples keep the earliest, so that evidence is the same on every replay. */
export type Sampled = { ts: number; id: string };

/**
 * No hop sampled: one frozen array that every window starts with. Samples are never changed in place
 * (addToSample returns a new one), so a window that samples nothing costs nothing.
 */
export const noSample: readonly Sampled[] = Object.freeze([]);

/**
 * `sample` (sorted, earliest first) with `id` added if it is among the `limit` earliest. A changed
 * sample is a new array of its exact length: windows hold many short samples, and an array grown by
 * insertion reserves seventeen slots.
 */
export function addToSample(
  sample: readonly Sampled[],
  ts: number,
  id: string,
  limit: number,
): readonly Sampled[] {
  const last = sample[sample.length - 1];
  if (sample.length >= limit && last !== undefined && !isEarlier(ts, id, last)) return sample;
  let index = sample.length;
  while (index > 0) {
    const before = sample[index - 1]!;
    if (!isEarlier(ts, id, before)) break;
    index--;
  }
  if (sample[index]?.id === id && sample[index]?.ts === ts) return sample;
  const added = sample.toSpliced(index, 0, { ts, id });
  if (added.length > limit) added.pop();
  return added;
}

function isEarlier(ts: number, id: string, than: Sampled): boolean {
  return ts < than.ts || (ts === than.ts && id < than.id);
}

export function sampleIds(sample: readonly Sampled[]): string[] {
  return sample.map((entry) => entry.id);
}
