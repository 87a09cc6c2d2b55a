import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';

/** A Kafka broker the test run talks to, however it was obtained. */
export interface RunningBroker {
  brokers: string[];
  /** One line for the run's output: what the broker is and where it came from. */
  description: string;
  stop(): Promise<void>;
}

export type BrokerStart = { ok: true; broker: RunningBroker } | { ok: false; reason: string };

/** A file of test/kafka, also when this module runs compiled from dist/test/kafka (the bench). */
export function kafkaFile(name: string): URL {
  const beside = new URL(`./${name}`, import.meta.url);
  return existsSync(beside) ? beside : new URL(`../../../test/kafka/${name}`, import.meta.url);
}

/** The Kafka version every test broker runs: test/kafka/pom.xml is its one source. */
export function kafkaVersion(): string {
  const pom = readFileSync(kafkaFile('pom.xml'), 'utf8');
  const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1];
  if (version === undefined) throw new Error('test/kafka/pom.xml names no <kafka.version>');
  return version;
}

/** The shared single-node settings of test/kafka/broker.properties, as [key, value] pairs. */
export function sharedBrokerSettings(): [string, string][] {
  return readFileSync(kafkaFile('broker.properties'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'))
    .map((line) => {
      const separator = line.indexOf('=');
      return [line.slice(0, separator), line.slice(separator + 1)];
    });
}

export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/** A port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port assigned')),
      );
    });
  });
}

export type Readiness = { ok: true } | { ok: false; reason: string };

/**
 * Polls until the broker answers a metadata request through kafkajs and names a coordinator for a
 * consumer group, until `gaveUp()` names a reason to stop early (the broker process died), or until
 * the time runs out. The coordinator is asked for because a fresh broker creates and loads its offsets
 * topic on the first such request: on a busy machine that took longer than the first test could wait.
 */
export async function waitUntilBrokerAnswers(
  brokers: string[],
  timeoutMs: number,
  gaveUp: () => string | undefined = () => undefined,
): Promise<Readiness> {
  const kafka = new Kafka({
    clientId: 'hopwatch-test-readiness',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    retry: { retries: 0 },
  });
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer yet';
  while (Date.now() < deadline) {
    const reason = gaveUp();
    if (reason !== undefined) return { ok: false, reason };
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.listTopics();
      await admin.describeGroups(['hopwatch-test-readiness']);
      return { ok: true };
    } catch (error) {
      lastError = (error as Error).message;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { ok: false, reason: `no answer from ${brokers.join(',')} within ${timeoutMs} ms (${lastError})` };
}
