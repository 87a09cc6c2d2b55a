import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The tests run in the repository, where a user may keep the hopwatch.yaml the README suggests:
 * every test and every hopwatch process it starts reads an empty config file instead (HOPWATCH_CONFIG),
 * unless it names one of its own.
 */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'hopwatch-test-config-'));
  const file = join(dir, 'hopwatch.yaml');
  writeFileSync(file, '# empty: the defaults\n');
  process.env.HOPWATCH_CONFIG = file;
  return () => rmSync(dir, { recursive: true, force: true });
}
