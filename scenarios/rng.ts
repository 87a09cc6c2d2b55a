/**
 * A seeded pseudo-random generator (sfc32 seeded through splitmix32), so that one seed always
 * yields the same scenario traffic, byte for byte, on every machine.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** `count` lowercase hex digits. */
  hex(count: number): string;
  /** Exponentially distributed with the given mean: the gap between independent arrivals. */
  exponential(mean: number): number;
  /** `value` scaled by a uniform factor in [1 − spread, 1 + spread]. */
  jitter(value: number, spread: number): number;
  /** Log-normal around `median`: latencies and think times, with a long right tail. */
  logNormal(median: number, sigma: number): number;
  /** An independent generator derived from this one and a label, stable whatever else draws. */
  fork(label: string): Rng;
}

export function createRng(seed: number | string): Rng {
  const state = seedState(typeof seed === 'number' ? String(seed) : seed);
  const next = (): number => {
    const [a, b, c, d] = state;
    const t = (((a + b) | 0) + d) | 0;
    state[3] = (d + 1) | 0;
    state[0] = b ^ (b >>> 9);
    state[1] = (c + (c << 3)) | 0;
    state[2] = ((c << 21) | (c >>> 11)) + t;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i += 1) next();
  const label = typeof seed === 'number' ? String(seed) : seed;
  return buildRng(next, label);
}

function buildRng(next: () => number, label: string): Rng {
  const rng: Rng = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('rng.pick needs a non-empty list');
      return items[Math.floor(next() * items.length)] as T;
    },
    hex: (count) => {
      let out = '';
      while (out.length < count)
        out += Math.floor(next() * 4294967296)
          .toString(16)
          .padStart(8, '0');
      return out.slice(0, count);
    },
    exponential: (mean) => -Math.log(1 - next()) * mean,
    jitter: (value, spread) => value * (1 - spread + 2 * spread * next()),
    logNormal: (median, sigma) => median * Math.exp(sigma * gaussian(next)),
    fork: (child) => createRng(`${label}/${child}`),
  };
  return rng;
}

function gaussian(next: () => number): number {
  const u = 1 - next();
  const v = next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** splitmix32 over a string hash: four well-mixed 32-bit words from any seed text. */
function seedState(text: string): [number, number, number, number] {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  const words: number[] = [];
  for (let i = 0; i < 4; i += 1) {
    h = (h + 0x9e3779b9) | 0;
    let z = h;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    words.push((z ^ (z >>> 16)) >>> 0);
  }
  return words as [number, number, number, number];
}
