import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { processExists } from '../common/process-exists.js';

/** The process that has an embedded data directory open, and since when (as the engine wrote it). */
export type EmbeddedHolder = { pid: number; since: string };

/**
 * Who holds the chDB directory at `path`, read from the `status` file the engine writes when it opens
 * one (`PID: …`, `Started at: …`) and removes when it closes it; undefined when no live process does
 * (no file, or one left by a process that died). The engine's lock on that file is what keeps a
 * directory to one process; this only names the process, for messages.
 */
export function embeddedHolder(path: string): EmbeddedHolder | undefined {
  let status: string;
  try {
    status = readFileSync(join(path, 'status'), 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(/^PID: (\d+)$/m.exec(status)?.[1]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || !processExists(pid)) return undefined;
  return { pid, since: /^Started at: (.+)$/m.exec(status)?.[1] ?? 'an unknown time' };
}
