import { setImmediate } from 'node:timers/promises';

/** About how much JSON text is produced between two turns of the event loop. */
const sliceChars = 1 << 20;
/** Containers this deep and deeper are stringified whole: their elements are small. */
const wholeDepth = 4;

/**
 * `JSON.stringify(value)` as a list of slices, giving the event loop a turn after each: a state of
 * a hundred megabytes is written without holding health checks and queries for seconds, and without
 * one string of that size. The caller keeps `value` unchanged until the promise settles.
 */
export async function stringifyInSlices(value: unknown): Promise<string[]> {
  const slices: string[] = [];
  let current = '';
  const emit = async (text: string): Promise<void> => {
    current += text;
    if (current.length < sliceChars) return;
    slices.push(current);
    current = '';
    await setImmediate();
  };
  await writeValue(value, 0, emit);
  if (current.length > 0) slices.push(current);
  return slices;
}

async function writeValue(
  value: unknown,
  depth: number,
  emit: (text: string) => Promise<void>,
): Promise<void> {
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

function hasToJson(value: object): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}
