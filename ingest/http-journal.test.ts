import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HttpJournal, type JournalEntry } from './http-journal.js';

const dataDir = mkdtempSync(join(tmpdir(), 'hopwatch-journal-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const batch = (n: number): JournalEntry => ({
  kind: 'records',
  receivedAt: n,
  records: [{ raw: `{"n":${n}}`, origin: { source: 'http', line: 1 } }],
});

async function all(journal: HttpJournal, segment: number): Promise<JournalEntry[]> {
  const entries: JournalEntry[] = [];
  for await (const entry of journal.entries(segment)) entries.push(entry);
  return entries;
}

describe('the HTTP ingest journal', () => {
  it('replays what follows its checkpoint, across a reopen, and everything still on disk when the checkpoint does not read', async () => {
    let journal = await HttpJournal.open(dataDir);
    await journal.append(batch(1));
    const segment = await journal.rotate();
    await journal.append({ kind: 'watermark', watermark: 5 });
    await journal.append(batch(2));
    const pending = await journal.beginCheckpoint(segment);
    await pending.writeEngine(JSON.stringify({ state: 'after 1' }));
    await pending.commit();
    await journal.close();

    journal = await HttpJournal.open(dataDir);
    expect(await journal.checkpoint()).toEqual({ segment, engine: { state: 'after 1' } });
    expect(await all(journal, segment)).toEqual([{ kind: 'watermark', watermark: 5 }, batch(2)]);

    writeFileSync(join(dataDir, 'http-journal', 'checkpoint.json'), '{"version": 1, "segm');
    expect(await journal.checkpoint()).toBeNull();
    expect(await all(journal, 0)).toEqual([{ kind: 'watermark', watermark: 5 }, batch(2)]);
    await journal.close();
  });

  it('replays around a line an older version wrote after a cut one, which does not parse', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hopwatch-journal-cut-'));
    try {
      const journal = await HttpJournal.open(dir);
      await journal.append(batch(1));
      await journal.close();
      // A write cut short by a full disk, then the next entry appended right after it, on the same line.
      const segment = join(dir, 'http-journal', 'segment-000000000000.ndjson');
      writeFileSync(segment, `${JSON.stringify(batch(2)).slice(0, 30)}${JSON.stringify(batch(3))}\n`, {
        flag: 'a',
      });
      writeFileSync(segment, `${JSON.stringify(batch(4))}\n`, { flag: 'a' });
      expect(await all(journal, 0)).toEqual([batch(1), batch(4)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
