/** A parsed JSON object: string keys, values not yet looked at. */
export type JsonObject = Record<string, unknown>;

/** The value a JSON text holds, or undefined when it is not JSON (the reason is not wanted). */
export function parsedOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A JSON object (not null, not an array). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
