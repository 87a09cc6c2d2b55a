import type { TestProject } from 'vitest/node';
import { startContainerBroker } from './container-broker.js';
import { startLocalBroker } from './local-broker.js';
import { kafkaBrokersKey } from './provided-context.js';
import { type BrokerStart, waitUntilBrokerAnswers } from './running-broker.js';

/**
 * Gives every test run a real Kafka broker: the one named by KAFKA_BROKERS if set, else an
 * apache/kafka container when Docker answers, else a broker from Maven Central jars (Java 17+).
 * Tests read the addresses with `testKafkaBrokers()`; processes they spawn get KAFKA_BROKERS.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const startedAt = Date.now();
  const start = await obtainBroker(process.env.KAFKA_BROKERS);
  if (!start.ok) throw new Error(`no Kafka broker for the tests: ${start.reason}`);
  const { broker } = start;
  process.stderr.write(`kafka: ${broker.description}, ready in ${Date.now() - startedAt} ms\n`);
  project.provide(kafkaBrokersKey, broker.brokers);
  process.env.KAFKA_BROKERS = broker.brokers.join(',');
  return () => broker.stop();
}

async function obtainBroker(configured: string | undefined): Promise<BrokerStart> {
  const brokers = (configured ?? '')
    .split(',')
    .map((address) => address.trim())
    .filter((address) => address.length > 0);
  if (brokers.length > 0) {
    const ready = await waitUntilBrokerAnswers(brokers, 30_000);
    if (!ready.ok) return { ok: false, reason: `KAFKA_BROKERS is set, but ${ready.reason}` };
    return { ok: true, broker: { brokers, description: 'KAFKA_BROKERS', stop: async () => undefined } };
  }
  return (await startContainerBroker()) ?? (await startLocalBroker());
}
