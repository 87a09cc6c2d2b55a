import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * One temporary directory for the whole test run (TMPDIR), removed when it ends: every test, every
 * hopwatch process it starts and the local broker's JVM make their scratch files there, so a run
 * leaves nothing in the system's temporary directory, whatever a test forgets to remove.
 */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'hopwatch-tests-'));
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
