import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AlertsConfig } from '../../alerts/config.js';
import type { AlertDeliveryPage } from '../../alerts/delivery.js';
import type { Finding } from '../../schemas/finding.js';
import type { ChildCommand, ChildRequest } from './webhook-dispatcher-child.js';

const childScript = fileURLToPath(
  new URL('../../dist/test/helpers/webhook-dispatcher-child.js', import.meta.url),
);
const alertsSource = fileURLToPath(new URL('../../alerts/', import.meta.url));
const alertsBuild = fileURLToPath(new URL('../../dist/alerts/', import.meta.url));

export type DispatcherProcess = {
  enqueue(findings: Finding[]): Promise<void>;
  list(): Promise<AlertDeliveryPage>;
  /** Graceful: stops the dispatcher and waits for the process to exit. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash or an OOM kill would. */
  kill(): Promise<void>;
};

type Reply = { id?: number; type?: string; result?: unknown; error?: string; reason?: string };

/** Starts the dispatcher child (built code: `npm test` builds first) and waits until it is delivering. */
export async function forkDispatcher(options: {
  dataDir: string;
  alerts: AlertsConfig;
  env: Record<string, string>;
}): Promise<DispatcherProcess> {
  assertBuildIsCurrent();
  const child = fork(childScript, [JSON.stringify({ dataDir: options.dataDir, alerts: options.alerts })], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once('message', (message: Reply) =>
      message.type === 'ready' ? resolve() : reject(new Error(`dispatcher child: ${message.reason}`)),
    );
    child.once('exit', (code) =>
      reject(new Error(`dispatcher child exited with ${code} before it was ready`)),
    );
  });
  let nextId = 1;
  const request = <T>(command: ChildRequest): Promise<T> => call<T>(child, { ...command, id: nextId++ });
  return {
    enqueue: (findings) => request<void>({ type: 'enqueue', findings }),
    list: () => request<AlertDeliveryPage>({ type: 'list' }),
    stop: async () => {
      await request<null>({ type: 'stop' });
      await exited;
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

function call<T>(child: ChildProcess, command: ChildCommand): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (message: Reply): void => {
      if (message.id !== command.id) return;
      child.off('message', onMessage);
      if (message.error !== undefined) reject(new Error(message.error));
      else resolve(message.result as T);
    };
    child.on('message', onMessage);
    child.send(command);
  });
}

// The child runs the compiled code: refuse to test a build older than the source it should reflect.
function assertBuildIsCurrent(): void {
  if (!existsSync(childScript)) throw new Error(`${childScript} is missing: run npm run build first`);
  for (const file of readdirSync(alertsSource)) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    const built = `${alertsBuild}${file.replace(/\.ts$/, '.js')}`;
    if (!existsSync(built) || statSync(built).mtimeMs < statSync(`${alertsSource}${file}`).mtimeMs) {
      throw new Error(
        `dist/alerts/${file.replace(/\.ts$/, '.js')} is older than alerts/${file}: run npm run build first`,
      );
    }
  }
}
