import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KafkaOrderLog } from './kafka-order-log.js';

const root = mkdtempSync(join(tmpdir(), 'hopwatch-order-log-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const fresh = () => mkdtempSync(join(root, 'dir-'));
const at = (topic: string, partition: number) => ({ topic, partition });

describe('Kafka order log', () => {
  it('reads back the takes (as runs per partition) and watermark moves made since its checkpoint', async () => {
    const dir = fresh();
    const { log, entries } = await KafkaOrderLog.open(dir, 0);
    expect(entries).toEqual([]);
    log.take([at('a', 0), at('a', 0), at('b', 3), at('a', 0)]);
    log.watermark(1_000);
    log.take([at('b', 3)]);
    await log.durable();
    await log.close();
    const reopened = await KafkaOrderLog.open(dir, 0);
    expect(reopened.entries).toEqual([
      {
        kind: 'take',
        runs: [
          { topic: 'a', partition: 0, count: 2 },
          { topic: 'b', partition: 3, count: 1 },
          { topic: 'a', partition: 0, count: 1 },
        ],
      },
      { kind: 'watermark', watermark: 1_000 },
      { kind: 'take', runs: [{ topic: 'b', partition: 3, count: 1 }] },
    ]);
    // Appends go on after what was there, with the partitions numbered as before.
    reopened.log.take([at('a', 0)]);
    await reopened.log.close();
    expect((await KafkaOrderLog.open(dir, 0)).entries).toHaveLength(4);
  });

  it('drops a line a crash cut short, and appends after the last whole one', async () => {
    const dir = fresh();
    const { log } = await KafkaOrderLog.open(dir, 0);
    log.take([at('a', 0)]);
    await log.close();
    appendFileSync(join(dir, 'kafka-order-0.log'), '{"t":[0,');
    const reopened = await KafkaOrderLog.open(dir, 0);
    expect(reopened.entries).toHaveLength(1);
    reopened.log.watermark(5);
    await reopened.log.close();
    expect(readFileSync(join(dir, 'kafka-order-0.log'), 'utf8').endsWith('\n{"w":5}\n')).toBe(true);
    expect((await KafkaOrderLog.open(dir, 0)).entries).toHaveLength(2);
  });

  it('starts a new segment once the checkpoint naming it is written, and stays where it was if that fails', async () => {
    const dir = fresh();
    const { log } = await KafkaOrderLog.open(dir, 0);
    log.take([at('a', 0)]);
    await expect(
      log.startSegment(1, async () => {
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(log.segment).toBe(0);
    expect(readdirSync(dir)).toEqual(['kafka-order-0.log']);
    expect(readFileSync(join(dir, 'kafka-order-0.log'), 'utf8')).not.toBe('');

    await log.startSegment(1, async () => {});
    log.take([at('b', 1)]);
    await log.close();
    expect(readdirSync(dir)).toEqual(['kafka-order-1.log']);
    expect((await KafkaOrderLog.open(dir, 1)).entries).toEqual([
      { kind: 'take', runs: [{ topic: 'b', partition: 1, count: 1 }] },
    ]);
  });

  it('keeps only the segment asked for', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'kafka-order-4.log'), '{"w":1}\n');
    const { log, entries } = await KafkaOrderLog.open(dir, 0);
    await log.close();
    expect(entries).toEqual([]);
    expect(readdirSync(dir)).toEqual(['kafka-order-0.log']);
  });
});
