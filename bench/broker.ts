import { startLocalBroker } from '../test/kafka/local-broker.js';
import { type RunningBroker, waitUntilBrokerAnswers } from '../test/kafka/running-broker.js';

/**
 * The broker the Kafka cases run against: KAFKA_BROKERS if set (left running), else a local KRaft
 * broker from the Maven jars the tests use (test/kafka/local-broker.sh), stopped by the caller.
 */
export async function benchBroker(): Promise<RunningBroker> {
  const configured = (process.env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((address) => address.trim())
    .filter((address) => address.length > 0);
  if (configured.length > 0) {
    const ready = await waitUntilBrokerAnswers(configured, 30_000);
    if (!ready.ok) throw new Error(`KAFKA_BROKERS is set, but ${ready.reason}`);
    return { brokers: configured, description: 'KAFKA_BROKERS', stop: async () => undefined };
  }
  const started = await startLocalBroker();
  if (!started.ok) throw new Error(`no Kafka broker for the bench: ${started.reason}`);
  return started.broker;
}
