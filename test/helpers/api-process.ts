import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The package's CLI, seen from test/helpers (vitest) or from dist/test/helpers (the bench, compiled). */
export const HOPWATCH_BIN = ['../../bin/hopwatch.js', '../../../bin/hopwatch.js']
  .map((path) => fileURLToPath(new URL(path, import.meta.url)))
  .find((path) => existsSync(path))!;

/** The end-to-end tests run the built CLI (the bundle bin/hopwatch.js starts); `npm test` builds it before vitest. */
export function assertBuilt(): void {
  const entry = fileURLToPath(new URL('../../dist/bundle/hopwatch.js', import.meta.url));
  if (!existsSync(entry)) throw new Error('dist/ is missing: run `npm run build` before this test');
}

export { freePort } from '../kafka/running-broker.js';

/** `exited` settles on 'close': after the exit and after stdout and stderr have been read to the end. */
export type HopwatchProcess = {
  child: ChildProcess;
  stderr(): string;
  stdout(): string;
  exited: Promise<number | null>;
};

/** The test run's environment without what configures hopwatch (the Kafka test setup exports KAFKA_BROKERS). */
function neutralEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(HOPWATCH|KAFKA|CLICKHOUSE)_/.test(name) || name === 'HOPWATCH_CONFIG') env[name] = value;
  }
  return env;
}

/**
 * What bin/hopwatch.js's first line (and the Dockerfile) start Node with, when it is run as a command
 * (see there): processes started here, and the bench, run hopwatch as users do.
 */
export const hopwatchNodeFlags: readonly string[] = [
  '--max-semi-space-size=64',
  '--no-allocation-site-pretenuring',
  '--disable-warning=TimeoutNegativeWarning',
];

export function spawnHopwatch(args: string[], env: Record<string, string>): HopwatchProcess {
  return spawnWithOutput(process.execPath, [...hopwatchNodeFlags, HOPWATCH_BIN, ...args], env);
}

/** A command that starts hopwatch some other way (the Docker image's script), its output kept. */
export function spawnWithOutput(
  command: string,
  args: string[],
  env: Record<string, string>,
): HopwatchProcess {
  const child = spawn(command, args, {
    env: { ...neutralEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  let stdout = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, stderr: () => stderr, stdout: () => stdout, exited };
}

/** Polls /healthz until the process answers, failing early if it exits. */
export async function waitUntilHealthy(
  process: HopwatchProcess,
  baseUrl: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void process.exited.then((code) => {
    exitCode = code;
  });
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`hopwatch exited with ${exitCode}: ${process.stderr()}`);
    try {
      if ((await fetch(`${baseUrl}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`hopwatch did not become healthy: ${process.stderr()}`);
}

/** `hopwatch run -c <configFile>` on `dataDir` at `port`, logging warnings only, once /healthz answers. */
export async function startRunProcess(
  configFile: string,
  dataDir: string,
  port: number,
  env: Record<string, string> = {},
): Promise<HopwatchProcess> {
  const running = spawnHopwatch(['run', '-c', configFile], {
    HOPWATCH_PORT: String(port),
    HOPWATCH_DATA_DIR: dataDir,
    HOPWATCH_LOG_LEVEL: 'warn',
    ...env,
  });
  await waitUntilHealthy(running, `http://127.0.0.1:${port}`);
  return running;
}

/** The sum of a series' samples on a process's /metrics: `name` (every label set) or `name{labels}` (that one); 0 if none. */
export async function metricTotal(baseUrl: string, series: string): Promise<number> {
  const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
  const labelled = series.includes('{');
  let sum = 0;
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(series)) continue;
    const next = line[series.length];
    if (labelled ? next === ' ' : next === ' ' || next === '{') sum += Number(line.split(' ').pop());
  }
  return sum;
}
