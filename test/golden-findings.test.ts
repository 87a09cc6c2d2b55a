import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { assertBuilt, HOPWATCH_BIN } from './helpers/api-process.js';

const run = promisify(execFile);
const corpusDir = mkdtempSync(join(tmpdir(), 'hopwatch-golden-'));
afterAll(() => rmSync(corpusDir, { recursive: true, force: true }));

const configs = { default: [], sensitive: ['--config', 'fixtures/golden/sensitive.yaml'] };

async function hopwatch(args: string[]): Promise<string> {
  // Only the embedded defaults: the user's environment must not change what is detected.
  const env = { PATH: process.env.PATH ?? '', HOPWATCH_CONFIG: process.env.HOPWATCH_CONFIG ?? '' };
  return (await run(process.execPath, [HOPWATCH_BIN, ...args], { env, maxBuffer: 64 << 20 })).stdout;
}

/**
 * `<id> <detector>/<rule>` of every finding `hopwatch detect` prints for one file, sorted; each
 * finding names a trace at most once.
 */
async function findingIds(file: string, configArgs: string[]): Promise<string[]> {
  const stdout = await hopwatch(['detect', ...configArgs, file]);
  const findings = stdout
    .trim()
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as { id: string; detector: string; rule: string; traceIds: string[] });
  const repeating = findings.filter(({ traceIds }) => new Set(traceIds).size !== traceIds.length);
  expect(repeating.map(({ id, traceIds }) => `${id}: ${traceIds.join(' ')}`)).toEqual([]);
  return findings.map((finding) => `${finding.id} ${finding.detector}/${finding.rule}`).sort();
}

/** Runs `tasks` two at a time (the machine has two cores). */
async function inPairs<T>(tasks: Array<() => Promise<T>>): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]!();
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}

function ndjsonIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.ndjson'))
    .sort()
    .map((name) => join(dir, name));
}

describe('finding ids', () => {
  // Regenerate (`npx vitest run test/golden-findings.test.ts -u`) only when a detector's semantics
  // change on purpose, and say why in the commit.
  it('match the golden list on the committed scenarios and a generated corpus, under two configurations', async () => {
    assertBuilt();
    await hopwatch(
      ['generate', '--scenario', 'all', '--seed', '7', '--format', 'mixed', '--rate', '0.4'].concat([
        '--out',
        corpusDir,
      ]),
    );
    const files = [
      ...ndjsonIn('fixtures/scenarios').map((file) => ({ name: `scenarios/${basename(file)}`, file })),
      ...ndjsonIn(corpusDir).map((file) => ({ name: `generated-seed-7/${basename(file)}`, file })),
      { name: 'traffic/mixed-formats.ndjson', file: 'fixtures/traffic/mixed-formats.ndjson' },
    ];
    const golden: Record<string, Record<string, string[]>> = {};
    for (const [configName, configArgs] of Object.entries(configs)) {
      const ids = await inPairs(
        files.map(
          ({ file }) =>
            () =>
              findingIds(file, configArgs),
        ),
      );
      golden[configName] = Object.fromEntries(files.map(({ name }, index) => [name, ids[index]!]));
    }
    expect(Object.values(golden.sensitive!).flat().length).toBeGreaterThan(400);
    await expect(`${JSON.stringify(golden, null, 2)}\n`).toMatchFileSnapshot(
      '../fixtures/golden/finding-ids.json',
    );
  }, 180_000);
});
