import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { hopwatchNodeFlags } from '../test/helpers/api-process.js';

/**
 * Runs a bench script (a URL next to its caller's module) in a process of its own, with the Node
 * flags hopwatch is started with unless `nodeFlags` says otherwise, and returns the one JSON line it
 * prints. Its stderr (progress) is passed on.
 */
export async function childResult<T>(
  script: URL,
  args: readonly string[],
  nodeFlags: readonly string[] = hopwatchNodeFlags,
): Promise<T> {
  const running = promisify(execFile)(process.execPath, [...nodeFlags, fileURLToPath(script), ...args], {
    maxBuffer: 16 * 1024 * 1024,
  });
  running.child.stderr?.pipe(process.stderr);
  const { stdout } = await running;
  return JSON.parse(stdout) as T;
}
