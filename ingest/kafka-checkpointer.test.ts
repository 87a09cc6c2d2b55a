import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import { checkpointPath, readCheckpoint } from './kafka-checkpoint.js';
import { Checkpointer } from './kafka-checkpointer.js';
import { ConsumedOffsets, type PartitionOffset } from './kafka-offsets.js';
import { KafkaOrderLog } from './kafka-order-log.js';

const dir = mkdtempSync(join(tmpdir(), 'hopwatch-checkpointer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const logger = createLogger('silent');
const topic = 'hopwatch.access-logs';

/** A checkpointer over a real order log and file, whose group refuses the first `refusals` commits. */
async function checkpointerOver(refusals: number) {
  const { log } = await KafkaOrderLog.open(dir, 0);
  const offsets = new ConsumedOffsets();
  const sent: PartitionOffset[][] = [];
  let snapshots = 0;
  const intake = {
    durable: async () => {},
    progress: () => 'unchanged engine',
    writeSnapshot: async (write: (slice: string) => Promise<void>) => {
      snapshots += 1;
      await write('{"version":1,"detectors":{}}');
    },
  };
  const commit = async (batch: PartitionOffset[]) => {
    sent.push(batch);
    return sent.length > refusals;
  };
  const assignment = () => ({ [topic]: [0, 1] });
  const options = {
    file: checkpointPath(dir),
    groupId: 'g',
    intake,
    offsets,
    orderLog: log,
    commit,
    assignment,
  };
  return { checkpointer: new Checkpointer(options, logger), offsets, sent, snapshots: () => snapshots, log };
}

const retry = { giveUp: () => true };

describe('Kafka checkpointer', () => {
  it('sends a commit the group refused again at the next checkpoint, though nothing was consumed since', async () => {
    const { checkpointer, offsets, sent, snapshots, log } = await checkpointerOver(1);
    offsets.seen(topic, 0, '41');
    await checkpointer.checkpoint(retry);
    await checkpointer.checkpoint(retry);
    await checkpointer.checkpoint(retry);
    expect(snapshots()).toBe(1);
    const once = [{ topic, partition: 0, offset: '42' }];
    expect(sent).toEqual([once, once]);
    const file = await readCheckpoint(checkpointPath(dir));
    expect(file.ok && file.checkpoint?.offsets).toEqual({ [topic]: { '0': '42' } });
    await log.close();
  });

  it('never sends the group back over records another member took while it held the partition', async () => {
    const { checkpointer, offsets, sent, log } = await checkpointerOver(0);
    offsets.seen(topic, 1, '9');
    expect(offsets.groupCommitted(topic, 1, 25n)).toBe(true);
    expect(offsets.groupCommitted(topic, 0, 3n)).toBe(true);
    await checkpointer.checkpoint(retry);
    expect(sent).toEqual([]);
    expect(offsets.next(topic, 1)).toBe(25n);
    offsets.seen(topic, 1, '25');
    await checkpointer.checkpoint(retry);
    expect(sent).toEqual([[{ topic, partition: 1, offset: '26' }]]);
    await log.close();
    const ahead = new ConsumedOffsets({ [topic]: { '1': '30' } });
    expect(ahead.groupCommitted(topic, 1, 25n)).toBe(false);
    expect(ahead.next(topic, 1)).toBe(30n);
  });
});
