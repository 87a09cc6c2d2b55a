import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { processExists } from '../common/process-exists.js';

export type OutboxLock = { ok: true; release: () => Promise<void> } | { ok: false; reason: string };

/**
 * Keeps two hopwatch processes from delivering out of one outbox. The lock file holds the owner's pid;
 * a lock left by a process that is gone (a crash, a kill -9, a container restarted under the same pid)
 * is taken over.
 */
export async function lockOutbox(directory: string): Promise<OutboxLock> {
  const path = join(directory, 'outbox.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return { ok: true, release: () => rm(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(holder) && holder !== process.pid && processExists(holder)) {
      return { ok: false, reason: `alerts outbox ${directory} is in use by process ${holder}` };
    }
    await rm(path, { force: true });
  }
  return { ok: false, reason: `alerts outbox ${directory}: could not take the lock file ${path}` };
}
