import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { normalizeRecord } from '../ingest/normalize.js';
import { bearer, startTestHopwatch } from './helpers/api.js';
import { assertBuilt, HOPWATCH_BIN } from './helpers/api-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'hopwatch-store-reads-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

// The committed scenarios date from 2025: kept whatever today's date is.
const store = { hopsTtlDays: 3_650 };

/** One digest per answer: a change shows which request answers differently. */
function digest(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16);
}

/** detectedAt is the wall clock of the detect run. */
function withoutDetectedAt(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDetectedAt);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== 'detectedAt')
      .map(([key, inner]) => [key, withoutDetectedAt(inner)]),
  );
}

type Finding = { traceIds: string[]; originCredential: string };

/** Every trace id the file's records carry (the stored traces, findings or not). */
function traceIdsIn(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line) => {
      const normalized = normalizeRecord(line);
      return normalized.ok ? normalized.events.map((event) => event.traceId ?? '') : [];
    })
    .filter((id) => id !== '');
}

/** The origin credentials a lineage answer names. */
function collectOrigins(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) for (const item of value) collectOrigins(item, into);
  else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'originCredential' && typeof inner === 'string') into.add(inner);
      else collectOrigins(inner, into);
    }
  }
}

const scenarioFiles = readdirSync('fixtures/scenarios')
  .filter((name) => name.endsWith('.ndjson'))
  .sort()
  .map((name) => join('fixtures/scenarios', name));

/** `hopwatch detect --store` of the committed scenarios into a data directory of its own, with `storeConfig`. */
async function detectInto(what: string, storeConfig: Record<string, unknown>): Promise<string> {
  assertBuilt();
  const dir = mkdtempSync(join(dataDir, `${what}-`));
  const config = join(dir, 'hopwatch.json');
  writeFileSync(config, JSON.stringify({ store: storeConfig }));
  const env = { PATH: process.env.PATH ?? '', HOPWATCH_CONFIG: '', HOPWATCH_DATA_DIR: dir };
  await promisify(execFile)(
    process.execPath,
    [HOPWATCH_BIN, 'detect', '--store', '--config', config, ...scenarioFiles],
    { env, maxBuffer: 64 << 20 },
  );
  return dir;
}

type Answers = {
  get(path: string): Promise<unknown>;
  status(path: string): Promise<number>;
  digests: Record<string, string>;
};

/** The API over a data directory; `get` expects 200 and keeps a digest of each answer (detectedAt left out). */
async function withApi(dir: string, use: (answers: Answers) => Promise<void>): Promise<void> {
  const api = await startTestHopwatch({ dataDir: dir, store });
  const digests: Record<string, string> = {};
  const request = (path: string) => fetch(`${api.url}${path}`, { headers: bearer(api.tokens.read) });
  try {
    await use({
      digests,
      get: async (path) => {
        const response = await request(path);
        expect(response.status, path).toBe(200);
        const body = withoutDetectedAt(await response.json());
        digests[`GET ${path}`] = digest(body);
        return body;
      },
      status: async (path) => (await request(path)).status,
    });
  } finally {
    await api.close();
  }
}

/** Every page of GET /v1/findings. */
async function allFindings({ get }: Answers): Promise<Finding[]> {
  const findings: Finding[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const page = (await get(`/v1/findings?limit=50${query}`)) as {
      items: Finding[];
      nextCursor: string | null;
    };
    findings.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return findings;
}

const traceUrl = (trace: string) => `/v1/traces/${encodeURIComponent(trace)}`;
const golden = '../fixtures/golden/store-reads.json';

describe('what the store gives back', () => {
  // Regenerate (`npx vitest run test/store-reads.test.ts -u`) only when an answer changes on purpose,
  // and say why in the commit: a new store layout must answer exactly as the one before it.
  it('is the same through the lineage, findings and credentials API over `detect --store` of the committed scenarios', async () => {
    const dir = await detectInto('all', store);
    await withApi(dir, async (answers) => {
      const { get } = answers;
      const findings = await allFindings(answers);
      const traces = [
        ...new Set([
          ...scenarioFiles.flatMap(traceIdsIn),
          ...findings.flatMap((finding) => finding.traceIds),
        ]),
      ];
      const credentials = new Set(findings.map((finding) => finding.originCredential));
      for (const trace of traces.sort()) collectOrigins(await get(traceUrl(trace)), credentials);
      for (const credential of [...credentials].sort()) {
        await get(`/v1/credentials/${encodeURIComponent(credential)}`);
        await get(`/v1/credentials/${encodeURIComponent(credential)}/activity?bucketSeconds=60`);
      }
      expect(findings.length).toBeGreaterThanOrEqual(10);
      expect(traces.length).toBeGreaterThan(300);
      expect(credentials.size).toBeGreaterThan(10);
      await expect(`${JSON.stringify(answers.digests, null, 2)}\n`).toMatchFileSnapshot(golden);
    });
  }, 180_000);

  it('under `store.hops: findings`, holds the same findings and, of the traces, exactly those findings name, each whole', async () => {
    const expected = JSON.parse(readFileSync(join('test', golden), 'utf8')) as Record<string, string>;
    const dir = await detectInto('findings', { ...store, hops: 'findings' });
    await withApi(dir, async (answers) => {
      const findings = await allFindings(answers);
      const named = new Set(findings.flatMap((finding) => finding.traceIds));
      for (const trace of named) await answers.get(traceUrl(trace));
      for (const [request, answer] of Object.entries(answers.digests))
        expect(answer, request).toBe(expected[request]);
      const others = [...new Set(scenarioFiles.flatMap(traceIdsIn))].filter((trace) => !named.has(trace));
      expect(named.size).toBeGreaterThanOrEqual(5);
      expect(others.length).toBeGreaterThan(300);
      for (const trace of others) expect(await answers.status(traceUrl(trace)), trace).toBe(404);
    });
  }, 180_000);
});
