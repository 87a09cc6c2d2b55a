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
  findings: [findingFixture({ id: 'f1' })],
  incidents: [],
};

const { engine, ...rest } = checkpoint;
const toWrite = { ...rest, engineJson: JSON.stringify(engine) };

describe('Kafka checkpoint file', () => {
  it('reads back what was written, and leaves no temporary file behind', async () => {
    const file = checkpointPath(dir);
    await writeCheckpoint(file, toWrite);
    expect(await readCheckpoint(file)).toEqual({ ok: true, checkpoint: { version: 1, ...checkpoint } });
    expect(readdirSync(dir)).toEqual(['kafka-checkpoint.json']);
  });

  it('is none before the first checkpoint', async () => {
    expect(await readCheckpoint(join(dir, 'absent.json'))).toEqual({ ok: true, checkpoint: null });
  });

  it('is ignored when unreadable or written for another consumer group', async () => {
    const other = mkdtempSync(join(dir, 'other-'));
    await writeCheckpoint(checkpointPath(other), { ...toWrite, groupId: 'someone-else' });
    expect(await loadCheckpoint(other, 'hopwatch', logger)).toBeNull();
    writeFileSync(checkpointPath(other), '{"version": 1, "groupId": "hopwatch"');
    expect(await readCheckpoint(checkpointPath(other))).toMatchObject({ ok: false, reason: /not JSON/ });
    expect(await loadCheckpoint(other, 'hopwatch', logger)).toBeNull();
  });
});
