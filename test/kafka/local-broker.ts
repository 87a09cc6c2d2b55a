import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type BrokerStart,
  freePorts,
  kafkaFile,
  kafkaVersion,
  waitUntilBrokerAnswers,
} from './running-broker.js';

const script = fileURLToPath(kafkaFile('local-broker.sh'));

/** Settings beyond the shared ones, written knowing the broker's plaintext and controller ports. */
export type ExtraProperties = (ports: { port: number; controllerPort: number }) => string;

/**
 * Starts local-broker.sh (Kafka from Maven Central jars, Java 17+) on free ports in a temp dir,
 * and waits until it answers on its plaintext port. The first run downloads the jars, hence the
 * generous time limit.
 */
export async function startLocalBroker(
  readyTimeoutMs = 240_000,
  extraProperties?: ExtraProperties,
): Promise<BrokerStart> {
  const dir = mkdtempSync(join(tmpdir(), 'hopwatch-kafka-'));
  const logFile = join(dir, 'broker.log');
  const [port, controllerPort] = await freePorts(2);
  const extra: string[] = [];
  if (extraProperties !== undefined) {
    const file = join(dir, 'extra.properties');
    writeFileSync(file, extraProperties({ port: port!, controllerPort: controllerPort! }));
    extra.push('--extra-properties', file);
  }
  const log = openSync(logFile, 'a');
  const child = spawn(
    'bash',
    [
      script,
      ...['--port', String(port), '--controller-port', String(controllerPort)],
      ...['--data-dir', join(dir, 'broker'), '--exit-with', String(process.pid)],
      ...extra,
    ],
    { stdio: ['ignore', log, log] },
  );
  closeSync(log);

  let exitReason: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('error', (error) => {
      exitReason = `could not run bash: ${error.message}`;
      resolve();
    });
    child.once('exit', (code, signal) => {
      exitReason = `local-broker.sh exited with ${signal ?? `code ${code}`}`;
      resolve();
    });
  });
  const stop = async (): Promise<void> => {
    if (exitReason === undefined) {
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const brokers = [`127.0.0.1:${port}`];
  const ready = await waitUntilBrokerAnswers(brokers, readyTimeoutMs, () => exitReason);
  if (!ready.ok) {
    const tail = logTail(logFile, 60);
    await stop();
    return { ok: false, reason: `${ready.reason}\n--- last lines of the broker log ---\n${tail}` };
  }
  return {
    ok: true,
    broker: {
      brokers,
      description: `Kafka ${kafkaVersion()} from Maven Central jars on ${brokers[0]}`,
      stop,
    },
  };
}

function logTail(file: string, lines: number): string {
  if (!existsSync(file)) return '(no log written)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}
