import { setImmediate } from 'node:timers/promises';

/** About how much JSON text one slice holds. */
const sliceChars = 1 << 20;
/** How long the text is produced for before the event loop gets a turn (health checks wait no longer). */
const turnMs = 5;
/** Containers this deep and deeper are stringified whole: their elements are small. */
const wholeDepth = 4;
/** Elements of a list stringified together. */
const elementsPerBatch = 512;

/**
 * A JSON array produced on demand: a snapshot hands out its big lists as these, so that they are
 * built while they are written rather than all at once. `JSON.stringify` sees an array (toJSON).
 */
export class JsonList<T> implements Iterable<T> {
  constructor(private readonly produce: () => Iterable<T>) {}

  [Symbol.iterator](): Iterator<T> {
    return this.produce()[Symbol.iterator]();
  }

  toJSON(): T[] {
    return [...this];
  }
}

/** `T` as a snapshot may hand it out: any list may be a JsonList. */
export type JsonOut<T> = T extends readonly (infer E)[]
  ? readonly JsonOut<E>[] | JsonList<JsonOut<E>>
  : T extends object
    ? { [K in keyof T]: JsonOut<T[K]> }
    : T;

/** Text waiting to be written, and when the event loop last had a turn. */
class Slices {
  private parts: string[] = [];
  private chars = 0;
  private turnStarted = performance.now();

  constructor(private readonly write: (slice: string) => Promise<void>) {}

  add(text: string): void {
    this.parts.push(text);
    this.chars += text.length;
  }

  /** Whether a slice is full or the turn is over: the writer then pauses (see `pause`). */
  due(): boolean {
    return this.chars >= sliceChars || performance.now() - this.turnStarted >= turnMs;
  }

  async pause(): Promise<void> {
    if (this.chars >= sliceChars) await this.flush();
    if (performance.now() - this.turnStarted < turnMs) return;
    await setImmediate();
    this.turnStarted = performance.now();
  }

  async flush(): Promise<void> {
    if (this.chars === 0) return;
    const slice = this.parts.join('');
    this.parts = [];
    this.chars = 0;
    await this.write(slice);
  }
}

/**
 * `JSON.stringify(value)` handed to `write` a slice (about a megabyte) at a time as it is produced: a
 * state of a hundred megabytes goes to a file without being one string in memory, and with a turn of
 * the event loop every few milliseconds of work, so health checks and queries are not held for
 * seconds. The text is produced synchronously between those pauses (a generator yields at each), not
 * awaited piece by piece: that cost more than the stringifying. The caller keeps `value` unchanged
 * until the promise settles.
 */
export async function writeJsonInSlices(
  value: unknown,
  write: (slice: string) => Promise<void>,
): Promise<void> {
  const slices = new Slices(write);
  for (const _ of writeValue(value, 0, slices)) await slices.pause();
  await slices.flush();
}

/** Yields whenever the writer is due to pause. */
function* writeValue(value: unknown, depth: number, out: Slices): Generator<void> {
  if (value instanceof JsonList) {
    yield* writeList(value, out);
    return;
  }
  if (depth >= wholeDepth || typeof value !== 'object' || value === null || hasToJson(value)) {
    out.add(JSON.stringify(value) ?? 'null');
    if (out.due()) yield;
    return;
  }
  if (Array.isArray(value)) {
    yield* writeList(value, out);
    return;
  }
  out.add('{');
  let first = true;
  for (const [key, field] of Object.entries(value)) {
    if (field === undefined || typeof field === 'function' || typeof field === 'symbol') continue;
    out.add(`${first ? '' : ','}${JSON.stringify(key)}:`);
    first = false;
    yield* writeValue(field, depth + 1, out);
  }
  out.add('}');
}

/**
 * A list's elements are small: they are stringified a batch at a time (one JSON.stringify for many
 * is about twice as fast as one each), a nested JsonList on its own.
 */
function* writeList(list: Iterable<unknown>, out: Slices): Generator<void> {
  out.add('[');
  let batch: unknown[] = [];
  let first = true;
  const separate = () => {
    if (!first) out.add(',');
    first = false;
  };
  const writeBatch = () => {
    if (batch.length === 0) return;
    separate();
    out.add(JSON.stringify(batch).slice(1, -1));
    batch = [];
  };
  for (const element of list) {
    if (element instanceof JsonList) {
      writeBatch();
      separate();
      yield* writeList(element, out);
      continue;
    }
    batch.push(element);
    if (batch.length < elementsPerBatch) continue;
    writeBatch();
    if (out.due()) yield;
  }
  writeBatch();
  out.add(']');
}

function hasToJson(value: object): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}
