import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KafkaOrderLog } from '../ingest/kafka-order-log.js';

const mountPoint = mkdtempSync(join(tmpdir(), 'hopwatch-order-full-'));
/** A small tmpfs is a disk that can be filled; mounting one needs root (as CI and the dev machines run). */
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint]).status === 0;

afterAll(() => {
  if (mounted) spawnSync('umount', ['-l', mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

describe.skipIf(!mounted)('the Kafka order log on a full disk', () => {
  it('cuts a failed write off, is not healthy until it is written, and goes on without a restart once there is room', async () => {
    const dir = join(mountPoint, 'data');
    execFileSync('mkdir', ['-p', dir]);
    const { log } = await KafkaOrderLog.open(dir, 0);
    log.take([{ topic: 'in', partition: 0 }]);
    await log.durable();
    const filler = join(mountPoint, 'filler');
    const { bavail, bsize } = statfsSync(mountPoint);
    execFileSync('fallocate', ['-l', String(bavail * bsize), filler]);

    // Takes worth more than a page: the write cannot fit.
    const partitions = Array.from({ length: 2_000 }, (_, partition) => ({ topic: 'in', partition }));
    log.take(partitions);
    await expect(log.durable()).rejects.toThrow(/^the Kafka order log cannot be written \(ENOSPC/);
    expect(log.healthy).toBe(false);
    const onDisk = readFileSync(join(dir, 'kafka-order-0.log'), 'utf8');
    expect(onDisk.endsWith('}\n')).toBe(true);
    for (const line of onDisk.trimEnd().split('\n')) expect(() => JSON.parse(line)).not.toThrow();

    rmSync(filler);
    log.watermark(42);
    await log.durable();
    expect(log.healthy).toBe(true);
    await log.close();
    const { entries } = await KafkaOrderLog.open(dir, 0);
    expect(entries).toEqual([
      { kind: 'take', runs: [{ topic: 'in', partition: 0, count: 1 }] },
      { kind: 'take', runs: partitions.map(({ topic, partition }) => ({ topic, partition, count: 1 })) },
      { kind: 'watermark', watermark: 42 },
    ]);
  });
});
