import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hopwatchNodeFlags } from './helpers/api-process.js';

/**
 * The rooms of DESIGN.md, lowest first. A module may import from its own room and from lower ones
 * only; rooms on one level know nothing of each other (ingest does not reach into the store).
 */
const levels: Record<string, number> = {
  common: 0,
  schemas: 1,
  lineage: 2,
  ingest: 2,
  store: 2,
  alerts: 2,
  detectors: 3,
  incidents: 3,
  api: 4,
  pipeline: 5,
  evaluation: 6,
  scenarios: 7,
  cli: 8,
  // The browser code: below every room, so it imports none of them (it reads the API over HTTP).
  console: -1,
};

function productFiles(room: string): string[] {
  return readdirSync(room, { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.tsx?$/.test(file) && !file.endsWith('.test.ts'))
    .map((file) => join(room, file));
}

describe('the rooms of the code', () => {
  it('import only from their own room and from lower ones', () => {
    const upward: string[] = [];
    for (const room of Object.keys(levels)) {
      for (const file of productFiles(room)) {
        for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
          const target = relative('.', resolve(dirname(file), specifier!)).split('/')[0]!;
          if (target !== room && !((levels[target] ?? Number.POSITIVE_INFINITY) < levels[room]!))
            upward.push(`${file} → ${target}/`);
        }
      }
    }
    expect(upward).toEqual([]);
  });
});

describe('how hopwatch is started', () => {
  it('with the same Node flags by its command, its Docker image, the tests and the bench', () => {
    const shebang = readFileSync('bin/hopwatch.js', 'utf8').split('\n', 1)[0]!;
    expect(shebang).toBe(`#!/usr/bin/env -S node ${hopwatchNodeFlags.join(' ')}`);
    const command = /^CMD (\[.*\])$/m.exec(readFileSync('Dockerfile', 'utf8'))?.[1];
    expect(JSON.parse(command ?? '[]')).toEqual(['bin/container-start.sh', 'run']);
    const started = /^exec (.*)$/m.exec(readFileSync('bin/container-start.sh', 'utf8'))?.[1];
    expect(started).toBe(`node $heap ${hopwatchNodeFlags.join(' ')} bin/hopwatch.js "$@"`);
  });
});
