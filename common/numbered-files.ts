import { readdir } from 'node:fs/promises';

/** The numbers of the files in `directory` whose names match `pattern` (its first group is the number), ascending. */
export async function numberedFiles(directory: string, pattern: RegExp): Promise<number[]> {
  const numbers: number[] = [];
  for (const name of await readdir(directory)) {
    const match = pattern.exec(name);
    if (match !== null) numbers.push(Number(match[1]));
  }
  return numbers.sort((a, b) => a - b);
}
