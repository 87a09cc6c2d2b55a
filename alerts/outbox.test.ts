import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { outboxConfigSchema } from './config.js';
import { AlertOutbox, type NewDelivery, OUTBOX_FILE } from './outbox.js';

const HOUR_MS = 3_600_000;
const opened: AlertOutbox[] = [];
const directories: string[] = [];

afterEach(async () => {
  for (const outbox of opened.splice(0)) await outbox.close();
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function tempDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'hopwatch-outbox-'));
  directories.push(directory);
  return directory;
}

async function openOutbox(
  directory: string,
  now = () => Date.now(),
  compactAfterBytes?: number,
): Promise<AlertOutbox> {
  const result = await AlertOutbox.open({
    directory,
    config: outboxConfigSchema.parse({ retainMs: 72 * HOUR_MS, compactAfterBytes }),
    now,
    logger: pino({ level: 'silent' }),
  });
  if (!result.ok) throw new Error(result.reason);
  opened.push(result.outbox);
  return result.outbox;
}

async function reopen(outbox: AlertOutbox, directory: string, now?: () => number): Promise<AlertOutbox> {
  opened.splice(opened.indexOf(outbox), 1);
  await outbox.close();
  return openOutbox(directory, now);
}

const newDelivery = (n: number, webhook = 'soc'): NewDelivery => ({
  id: `d-${webhook}-${n}`,
  findingId: `f-${n}`,
  webhook,
  body: JSON.stringify({ id: `f-${n}`, summary: 'x'.repeat(200) }),
});

const outboxFile = (directory: string): string => join(directory, OUTBOX_FILE);

describe('the alert outbox file', () => {
  it('has a new delivery in the file by the time add resolves, and adds each id once', async () => {
    const directory = tempDirectory();
    const outbox = await openOutbox(directory);

    const [first, again] = await Promise.all([
      outbox.add([newDelivery(1)]),
      outbox.add([newDelivery(1), newDelivery(2)]),
    ]);

    expect(first!.map((delivery) => delivery.id)).toEqual(['d-soc-1']);
    expect(again!.map((delivery) => delivery.id)).toEqual(['d-soc-2']);
    const lines = readFileSync(outboxFile(directory), 'utf8').trim().split('\n');
    expect(lines.map((line) => JSON.parse(line).delivery.id)).toEqual(['d-soc-1', 'd-soc-2']);
    expect(await outbox.add([newDelivery(2)])).toEqual([]);
  });

  it('ignores a torn last line left by a crash and keeps everything before it', async () => {
    const directory = tempDirectory();
    let outbox = await openOutbox(directory);
    const [delivery] = await outbox.add([newDelivery(1), newDelivery(2)]);
    await outbox.update(delivery!, { state: 'delivered', attempts: 1, nextAttemptAt: null, lastStatus: 204 });
    await outbox.close();
    opened.splice(0);
    appendFileSync(outboxFile(directory), '{"op":"update","id":"d-soc-2","sta');

    outbox = await openOutbox(directory);

    expect(outbox.list({ limit: 10 }).items).toEqual([
      expect.objectContaining({ id: 'd-soc-2', state: 'pending', attempts: 0 }),
      expect.objectContaining({ id: 'd-soc-1', state: 'delivered', attempts: 1, lastStatus: 204 }),
    ]);
    expect(outbox.get('d-soc-2')?.body).toBe(newDelivery(2).body);
    expect(outbox.get('d-soc-1')?.body).toBeUndefined();
    expect(readFileSync(outboxFile(directory), 'utf8')).not.toContain('"sta\n');
  });

  it('compacts itself while it grows and reads back the same state', async () => {
    const directory = tempDirectory();
    let outbox = await openOutbox(directory, undefined, 4_096);
    for (let batch = 0; batch < 20; batch++) {
      const added = await outbox.add([0, 1, 2, 3, 4].map((n) => newDelivery(batch * 5 + n)));
      for (const delivery of added) {
        await outbox.update(delivery, {
          state: 'pending',
          attempts: 1,
          nextAttemptAt: 1,
          lastError: 'HTTP 503',
        });
        await outbox.update(delivery, {
          state: 'delivered',
          attempts: 2,
          nextAttemptAt: null,
          lastStatus: 200,
        });
      }
    }
    const before = outbox.list({ limit: 1_000 });

    // Never compacted, these 300 lines take about 70 KB.
    expect(statSync(outboxFile(directory)).size).toBeLessThan(45_000);
    outbox = await reopen(outbox, directory);
    expect(outbox.list({ limit: 1_000 })).toEqual(before);
    expect(outbox.counts().totals).toEqual({ pending: 0, delivered: 100, failed: 0 });
  });

  it('forgets settled deliveries after retainMs but never a pending one', async () => {
    const directory = tempDirectory();
    let now = Date.parse('2026-03-01T00:00:00Z');
    let outbox = await openOutbox(directory, () => now);
    const [settled] = await outbox.add([newDelivery(1), newDelivery(2)]);
    await outbox.update(settled!, { state: 'delivered', attempts: 1, nextAttemptAt: null, lastStatus: 200 });

    now += 71 * HOUR_MS;
    outbox = await reopen(outbox, directory, () => now);
    expect(outbox.get('d-soc-1')?.state).toBe('delivered');

    now += 2 * HOUR_MS;
    outbox = await reopen(outbox, directory, () => now);
    expect(outbox.get('d-soc-1')).toBeUndefined();
    expect(outbox.get('d-soc-2')?.state).toBe('pending');
    expect(outbox.counts().totals).toEqual({ pending: 1, delivered: 0, failed: 0 });
  });

  it('lists newest first in pages that together cover every matching delivery once', async () => {
    const directory = tempDirectory();
    let outbox = await openOutbox(directory);
    for (let n = 0; n < 25; n++) await outbox.add([newDelivery(n, 'soc'), newDelivery(n, 'pager')]);
    outbox = await reopen(outbox, directory);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = outbox.list({ limit: 7, webhook: 'pager', cursor });
      seen.push(...page.items.map((delivery) => delivery.findingId ?? ''));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);

    expect(seen).toEqual(Array.from({ length: 25 }, (_, n) => `f-${24 - n}`));
    expect(outbox.list({ limit: 5, findingId: 'f-3' }).items.map((delivery) => delivery.webhook)).toEqual([
      'pager',
      'soc',
    ]);
  });
});
