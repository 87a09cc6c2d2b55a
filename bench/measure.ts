/** Progress for the person watching: stderr, so that nothing else is mixed into it. */
export function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

export type Repeat = { warmups: number; runs: number };

/** Runs `measure` `warmups` times unrecorded, then `runs` times; the median of what it returned. */
export async function medianOf(repeat: Repeat, measure: () => number | Promise<number>): Promise<number> {
  for (let index = 0; index < repeat.warmups; index++) await measure();
  const values: number[] = [];
  for (let index = 0; index < repeat.runs; index++) values.push(await measure());
  return median(values);
}

/** `count` items over the wall time `work` takes, per second. */
export async function perSecond(count: number, work: () => unknown): Promise<number> {
  const started = performance.now();
  await work();
  return count / ((performance.now() - started) / 1000);
}

/**
 * `count` items per CPU-second of this process while `work` runs: on a machine shared with other
 * processes this is the per-core figure; it counts V8's helper threads (GC) too, so it errs low.
 */
export async function perCpuSecond(count: number, work: () => unknown): Promise<number> {
  const started = process.cpuUsage();
  await work();
  const used = process.cpuUsage(started);
  return count / ((used.user + used.system) / 1e6);
}
