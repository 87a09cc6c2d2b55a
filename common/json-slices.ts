import { setImmediate } from 'node:timers/promises';

/** About how much JSON text one slice holds. */
const sliceChars = 1 << 20;
/** How long the text is produced for before the event loop gets a turn (health checks wait no longer). */
const turnMs = 5;
/** Containers this deep and deeper are stringified whole: their elements are small. */
const wholeDepth = 4;

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

/**
 * `JSON.stringify(value)` handed to `write` a slice (about a megabyte) at a time as it is produced: a
 * state of a hundred megabytes goes to a file without being one string in memory, and with a turn of
 * the event loop every few milliseconds of work, so health checks and queries are not held for
 * seconds. The caller keeps `value` unchanged until the promise settles.
 */
export async function writeJsonInSlices(
  value: unknown,
  write: (slice: string) => Promise<void>,
): Promise<void> {
  let current = '';
  let turnStarted = performance.now();
  const emit = async (text: string): Promise<void> => {
    current += text;
    if (current.length >= sliceChars) {
      await write(current);
      current = '';
    }
    if (performance.now() - turnStarted < turnMs) return;
    await setImmediate();
    turnStarted = performance.now();
  };
  await writeValue(value, 0, emit);
  if (current.length > 0) await write(current);
}

async function writeValue(
  value: unknown,
  depth: number,
  emit: (text: string) => Promise<void>,
): Promise<void> {
  if (value instanceof JsonList) {
    await writeList(value, depth, emit);
    return;
  }
  if (depth >= wholeDepth || typeof value !== 'object' || value === null || hasToJson(value)) {
    await emit(JSON.stringify(value) ?? 'null');
    return;
  }
  if (Array.isArray(value)) {
    await emit('[');
    for (let index = 0; index < value.length; index++) {
      if (index > 0) await emit(',');
      const element = value[index];
      await writeValue(
        element === undefined || typeof element === 'function' ? null : element,
        depth + 1,
        emit,
      );
    }
    await emit(']');
    return;
  }
  await emit('{');
  let first = true;
  for (const [key, field] of Object.entries(value)) {
    if (field === undefined || typeof field === 'function' || typeof field === 'symbol') continue;
    await emit(`${first ? '' : ','}${JSON.stringify(key)}:`);
    first = false;
    await writeValue(field, depth + 1, emit);
  }
  await emit('}');
}

async function writeList(
  list: Iterable<unknown>,
  depth: number,
  emit: (text: string) => Promise<void>,
): Promise<void> {
  await emit('[');
  let first = true;
  for (const element of list) {
    if (!first) await emit(',');
    first = false;
    await writeValue(
      element === undefined || typeof element === 'function' ? null : element,
      depth + 1,
      emit,
    );
  }
  await emit(']');
}

function hasToJson(value: object): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}
