import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  freePort,
  HOPWATCH_BIN,
  hopwatchNodeFlags,
  spawnWithOutput,
  startRunProcess,
  waitUntilHealthy,
} from './helpers/api-process.js';
import { scenarioFile, tempDataDir } from './helpers/kafka-ingest.js';
import { writeConfigFile } from './helpers/kafka-process.js';

/** About 1.1 MB of canonical records, 4 scenarios' worth, each hop once. */
const body = ['agent-recursion', 'auth-probing', 'code-assistant', 'fanout-explosion']
  .map((name) => readFileSync(scenarioFile(name), 'utf8'))
  .join('');
const records = body.trimEnd().split('\n').length;

async function ingest(baseUrl: string) {
  const response = await fetch(`${baseUrl}/v1/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body,
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as { message?: string; accepted?: number; events?: number },
  };
}

/** Every line of the journal's segments, parsed: a cut line would throw. */
function journalRecords(dataDir: string): number {
  const directory = join(dataDir, 'http-journal');
  let taken = 0;
  for (const name of readdirSync(directory).filter((file) => file.startsWith('segment-'))) {
    const text = readFileSync(join(directory, name), 'utf8');
    if (text.length > 0) expect(text.endsWith('\n')).toBe(true);
    for (const line of text.split('\n').filter((entry) => entry.length > 0)) {
      const entry = JSON.parse(line) as { kind: string; records?: unknown[] };
      taken += entry.records?.length ?? 0;
    }
  }
  return taken;
}

describe('HTTP ingest when the disk fills up', () => {
  it('answers 503 saying why, keeps only whole entries in its journal, and loses nothing of what it took', async () => {
    const dataDir = tempDataDir('journal-full');
    const config = writeConfigFile(dataDir, { store: { hopsTtlDays: 3_650 } });
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    // Files of 600 KiB at most (RLIMIT_FSIZE, util-linux's prlimit): the journal's segment fills up as it would on a full disk,
    // a write stopping part way; Node ignores the SIGXFSZ that comes with it.
    const limited = spawnWithOutput(
      'prlimit',
      [`--fsize=${600 * 1024}`, process.execPath, ...hopwatchNodeFlags, HOPWATCH_BIN, 'run', '-c', config],
      { HOPWATCH_PORT: String(port), HOPWATCH_DATA_DIR: dataDir, HOPWATCH_LOG_LEVEL: 'warn' },
    );
    await waitUntilHealthy(limited, baseUrl);
    for (let attempt = 0; attempt < 2; attempt++) {
      const refused = await ingest(baseUrl);
      expect(refused.status).toBe(503);
      expect(refused.retryAfter).toBe('1');
      // The first is refused part way; the second too, or before its body is read while the journal
      // has not yet shown it can take an entry that large again.
      expect(refused.body.message).toMatch(
        /^the HTTP ingest journal cannot be written \(EFBIG: file too large, write\)/,
      );
      expect(refused.body.message).toMatch(/retry/);
    }
    expect(limited.stderr().match(/HTTP ingest answers 503 until it can be written/g)).toHaveLength(1);
    limited.child.kill('SIGKILL');
    await limited.exited;
    const taken = journalRecords(dataDir);
    expect(taken).toBeGreaterThan(0);
    expect(taken).toBeLessThan(records);

    // Room again: what the journal holds is replayed, and the retried request counts it once.
    const restarted = await startRunProcess(config, dataDir, port);
    try {
      const retried = await ingest(baseUrl);
      expect(retried.status).toBe(200);
      expect(retried.body).toMatchObject({ accepted: records, rejected: 0 });
      const stats = (await (await fetch(`${baseUrl}/v1/stats`)).json()) as {
        engine: { eventsObserved: number; duplicateHops: number };
      };
      // The engine saw the replayed hops, then the whole body: each replayed hop came again, and counted once.
      const replayed = stats.engine.eventsObserved - (retried.body.events ?? 0);
      expect(replayed).toBeGreaterThan(0);
      expect(stats.engine.duplicateHops).toBe(replayed);
    } finally {
      restarted.child.kill('SIGTERM');
      await restarted.exited;
    }
  });
});
