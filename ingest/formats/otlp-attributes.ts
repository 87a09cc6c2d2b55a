import { isObject } from './values.js';

/** OTLP attribute values, decoded: strings, numbers, booleans and arrays of those. */
export type AttributeValue = string | number | boolean | AttributeValue[];
export type Attributes = Map<string, AttributeValue>;

/**
 * One OTLP/JSON `AnyValue` (a tagged union). int64 arrives as a decimal string or a number; it is
 * kept as a number, which is exact for every attribute hopwatch reads (status codes, sizes).
 */
function decodeValue(value: unknown): AttributeValue | undefined {
  if (!isObject(value)) return undefined;
  if (typeof value.stringValue === 'string') return value.stringValue;
  if (value.intValue !== undefined) {
    const number = Number(value.intValue);
    return Number.isFinite(number) ? number : undefined;
  }
  if (typeof value.doubleValue === 'number') return value.doubleValue;
  if (typeof value.boolValue === 'boolean') return value.boolValue;
  if (isObject(value.arrayValue) && Array.isArray(value.arrayValue.values)) {
    const items: AttributeValue[] = [];
    for (const item of value.arrayValue.values) {
      const decoded = decodeValue(item);
      if (decoded !== undefined) items.push(decoded);
    }
    return items;
  }
  return undefined;
}

/** `[{key, value}]` as a lookup; entries of the wrong shape are skipped, not fatal. */
export function decodeAttributes(list: unknown): Attributes {
  const attributes: Attributes = new Map();
  if (!Array.isArray(list)) return attributes;
  for (const entry of list) {
    if (!isObject(entry) || typeof entry.key !== 'string') continue;
    const value = decodeValue(entry.value);
    if (value !== undefined) attributes.set(entry.key, value);
  }
  return attributes;
}

/** A present string attribute (the first element of a string array, as header attributes are). */
export function stringAttribute(attributes: Attributes, key: string): string | undefined {
  const value = attributes.get(key);
  const first = Array.isArray(value) ? value[0] : value;
  if (typeof first === 'string') return first.length > 0 ? first : undefined;
  return typeof first === 'number' || typeof first === 'boolean' ? String(first) : undefined;
}

export function firstStringAttribute(attributes: Attributes, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = stringAttribute(attributes, key);
    if (value !== undefined) return value;
  }
  return undefined;
}

export function numberAttribute(attributes: Attributes, keys: readonly string[]): number | undefined {
  for (const key of keys) {
    const value = attributes.get(key);
    if (typeof value === 'number') return value;
    if (typeof value === 'string' && value.length > 0 && Number.isFinite(Number(value))) return Number(value);
  }
  return undefined;
}
