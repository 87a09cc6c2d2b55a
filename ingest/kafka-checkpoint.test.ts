import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import { findingFixture } from '../test/helpers/webhook-findings.js';
import { checkpointPath, loadCheckpoint, readCheckpoint, writeCheckpoint } from './kafka-checkpoint.js';

const dir = mkdtempSync(join(tmpdir(), 'hopwatch-checkpoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const logger = createLogger('silent');

const checkpoint = {
  groupId: 'hopwatch',
  writtenAt: 1,
  offsets: { 'hopwatch.access-logs': { '0': '12', '5': '7' } },
  engine: { version: 1, detectors: {} },
  orderLog: 3,
};

const { engine, ...fields } = checkpoint;
const writeEngine = async (write: (slice: string) => Promise<void>) => {
  const text = JSON.stringify(engine);
  await write(text.slice(0, 5));
  await write(text.slice(5));
};

describe('Kafka checkpoint file', () => {
  it('reads back what was written, and leaves no temporary file behind', async () => {
    const file = checkpointPath(dir);
    await writeCheckpoint(file, fields, writeEngine);
    expect(await readCheckpoint(file)).toEqual({
      ok: true,
      checkpoint: { version: 1, ...checkpoint, findings: [], incidents: [] },
    });
    expect(readdirSync(dir)).toEqual(['kafka-checkpoint.json']);
  });

  it('of an older version, with the findings it held and no order log, is still read', async () => {
    const file = join(dir, 'older.json');
    const held = [findingFixture({ id: 'f1' })];
    writeFileSync(
      file,
      JSON.stringify({ version: 1, groupId: 'hopwatch', writtenAt: 1, offsets: {}, engine, findings: held }),
    );
    const read = await readCheckpoint(file);
    expect(read.ok && read.checkpoint?.findings.map((finding) => finding.id)).toEqual(['f1']);
    expect(read.ok && read.checkpoint?.orderLog).toBeUndefined();
  });

  it('is none before the first checkpoint', async () => {
    expect(await readCheckpoint(join(dir, 'absent.json'))).toEqual({ ok: true, checkpoint: null });
  });

  it('is ignored when unreadable or written for another consumer group', async () => {
    const other = mkdtempSync(join(dir, 'other-'));
    await writeCheckpoint(checkpointPath(other), { ...fields, groupId: 'someone-else' }, writeEngine);
    expect(await loadCheckpoint(other, 'hopwatch', logger)).toBeNull();
    writeFileSync(checkpointPath(other), '{"version": 1, "groupId": "hopwatch"');
    expect(await readCheckpoint(checkpointPath(other))).toMatchObject({ ok: false, reason: /not JSON/ });
    expect(await loadCheckpoint(other, 'hopwatch', logger)).toBeNull();
  });
});
