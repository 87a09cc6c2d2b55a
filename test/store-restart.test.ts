import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { childFindings, childHops } from './helpers/store-child-data.js';
import { describeStoreTargets } from './helpers/store-targets.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
const hopwatchBin = join(root, 'bin', 'hopwatch.js');
const writerChild = join(root, 'dist', 'test', 'helpers', 'store-writer-child.js');

describeStoreTargets('store across process restarts', (target) => {
  it('hopwatch migrate prepares the schema once, and what separate processes wrote is all there, once', async () => {
    if (!existsSync(writerChild)) throw new Error(`${writerChild} is missing: run npm run build first`);
    const config = target.config();
    const env = target.env(config);
    const options = { env, cwd: config.dataDir };

    const first = await run(process.execPath, [hopwatchBin, 'migrate'], options);
    expect(first.stdout).toContain('applied migration 1: create findings, hops and dead_letters');
    expect(first.stdout).toContain(
      'applied migration 2: incidents, and the incident and silence of each finding',
    );
    expect(first.stdout).toContain(
      'applied migration 3: the MCP session and the other observation points of each hop',
    );
    expect(first.stdout).toContain(
      'applied migration 4: hops in flat columns, the lineage path as JSON text',
    );
    expect(first.stdout).toContain('applied migration 5: hop parts up to 64 MB written compact');
    expect(first.stdout).toContain(`schema version 7, database ${config.store.database}`);
    const second = await run(process.execPath, [hopwatchBin, 'migrate'], options);
    expect(second.stdout).toMatch(/^nothing to apply\nschema version 7/);

    const base = Date.now() - 3_600_000;
    await run(process.execPath, [writerChild, '0', '40', String(base)], options);
    // A second process replays half of what the first wrote and adds as much again.
    await run(process.execPath, [writerChild, '20', '40', String(base)], options);

    const store = await target.open(config);
    try {
      const page = await store.reader.listFindings({}, 1_000, null);
      const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
      expect(page.items.sort(byId)).toEqual(childFindings(0, 60).sort(byId));
      const hops = childHops(0, 60, base);
      expect(await store.reader.traceHops(hops[3]!.traceId!)).toEqual(hops.slice(3, 6));
      expect(await store.reader.stats()).toMatchObject({ findings: 60 });
      const summary = await store.reader.credentialSummary(hops[0]!.originCredential);
      expect(summary?.hopCount).toBe(
        hops.filter((hop) => hop.originCredential === hops[0]!.originCredential).length,
      );
    } finally {
      await store.close();
    }
  });
});
