import { readFile } from 'node:fs/promises';

/**
 * V8 caps a string at about 512 M characters, so `JSON.parse(readFile(…, 'utf8'))` fails on a larger
 * file: an engine snapshot of a busy instance reaches that. Documents above this size are cut along
 * their outermost containers until every piece is below it, and the pieces go to JSON.parse.
 */
const pieceBytes = 64 * 1024 * 1024;

const quote = 0x22;
const backslash = 0x5c;
const comma = 0x2c;
const colon = 0x3a;
const openBrace = 0x7b;
const closeBrace = 0x7d;
const openBracket = 0x5b;
const closeBracket = 0x5d;

/** A JSON file's value, whatever its size (up to what a Buffer holds). Throws SyntaxError on bad JSON. */
export async function readJsonFile(file: string): Promise<unknown> {
  return parseJsonBytes(await readFile(file));
}

/** `JSON.parse` of UTF-8 bytes; containers larger than `maxPiece` bytes are parsed element by element. */
export function parseJsonBytes(bytes: Buffer, maxPiece = pieceBytes): unknown {
  return parseRange(bytes, 0, bytes.length, maxPiece);
}

function parseRange(bytes: Buffer, from: number, to: number, maxPiece: number): unknown {
  let start = from;
  let end = to;
  while (start < end && isSpace(bytes[start]!)) start++;
  while (end > start && isSpace(bytes[end - 1]!)) end--;
  const open = bytes[start];
  const close = bytes[end - 1];
  const array = open === openBracket && close === closeBracket;
  const object = open === openBrace && close === closeBrace;
  // A scalar goes whole: only a container can be cut.
  if (end - start <= maxPiece || !(array || object)) return JSON.parse(bytes.toString('utf8', start, end));
  if (array) return parseElements(bytes, elementRanges(bytes, start + 1, end - 1), maxPiece);
  const value: Record<string, unknown> = {};
  for (const [a, b] of elementRanges(bytes, start + 1, end - 1)) {
    const separator = keyEnd(bytes, a, b);
    const key: unknown = JSON.parse(bytes.toString('utf8', a, separator));
    if (typeof key !== 'string') throw new SyntaxError(`an object key that is not a string at byte ${a}`);
    // As JSON.parse does: an own property even for `__proto__`.
    Object.defineProperty(value, key, {
      value: parseRange(bytes, separator + 1, b, maxPiece),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return value;
}

/** An array's elements: runs of small ones parsed together (one JSON.parse per piece), large ones cut further. */
function parseElements(bytes: Buffer, ranges: Array<[number, number]>, maxPiece: number): unknown[] {
  const values: unknown[] = [];
  let index = 0;
  while (index < ranges.length) {
    const [first, firstEnd] = ranges[index]!;
    if (firstEnd - first > maxPiece) {
      values.push(parseRange(bytes, first, firstEnd, maxPiece));
      index++;
      continue;
    }
    let last = index;
    while (last + 1 < ranges.length && ranges[last + 1]![1] - first <= maxPiece) last++;
    const run = JSON.parse(`[${bytes.toString('utf8', first, ranges[last]![1])}]`) as unknown[];
    for (const value of run) values.push(value);
    index = last + 1;
  }
  return values;
}

/** The [start, end) of each element between a container's brackets: split at commas of depth 0. */
function elementRanges(bytes: Buffer, from: number, to: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let depth = 0;
  let start = from;
  for (let index = from; index < to; index++) {
    const byte = bytes[index]!;
    if (byte === quote) index = closingQuote(bytes, index, to);
    else if (byte === openBrace || byte === openBracket) depth++;
    else if (byte === closeBrace || byte === closeBracket) {
      if (--depth < 0) throw new SyntaxError(`unbalanced JSON at byte ${index}`);
    } else if (byte === comma && depth === 0) {
      if (blank(bytes, start, index)) throw new SyntaxError(`an empty element at byte ${index}`);
      ranges.push([start, index]);
      start = index + 1;
    }
  }
  if (depth !== 0) throw new SyntaxError('JSON ends inside a container');
  if (!blank(bytes, start, to)) ranges.push([start, to]);
  else if (ranges.length > 0) throw new SyntaxError(`an empty element at byte ${to}`);
  return ranges;
}

/** The colon after an object member's key (which is a string: no colon inside counts). */
function keyEnd(bytes: Buffer, from: number, to: number): number {
  for (let index = from; index < to; index++) {
    const byte = bytes[index]!;
    if (byte === quote) index = closingQuote(bytes, index, to);
    else if (byte === colon) return index;
  }
  throw new SyntaxError(`an object member without a colon at byte ${from}`);
}

/** The quote that closes the string opening at `from`. */
function closingQuote(bytes: Buffer, from: number, to: number): number {
  for (let index = from + 1; index < to; index++) {
    const byte = bytes[index]!;
    if (byte === backslash) index++;
    else if (byte === quote) return index;
  }
  throw new SyntaxError(`JSON ends inside the string at byte ${from}`);
}

function blank(bytes: Buffer, from: number, to: number): boolean {
  for (let index = from; index < to; index++) if (!isSpace(bytes[index]!)) return false;
  return true;
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}
