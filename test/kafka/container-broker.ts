import { GenericContainer, getContainerRuntimeClient, Wait } from 'testcontainers';
import {
  type BrokerStart,
  freePorts,
  kafkaVersion,
  sharedBrokerSettings,
  waitUntilBrokerAnswers,
} from './running-broker.js';

const runtimeProbeMs = 5_000;

/**
 * Starts the apache/kafka image when a container runtime answers; `undefined` when none does, so
 * the caller can fall back quickly (testcontainers fails in milliseconds without a runtime).
 */
export async function startContainerBroker(): Promise<BrokerStart | undefined> {
  const host = await containerRuntimeHost();
  if (host === undefined) return undefined;
  const image = `apache/kafka:${kafkaVersion()}`;
  // A fixed host port, so the broker can advertise the address clients reach it at.
  const [hostPort] = await freePorts(1);
  const container = await new GenericContainer(image)
    .withEnvironment({
      ...Object.fromEntries(sharedBrokerSettings().map(([key, value]) => [imageVariable(key), value])),
      KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${host}:${hostPort}`,
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
    })
    .withExposedPorts({ container: 9092, host: hostPort! })
    .withWaitStrategy(Wait.forLogMessage('Kafka Server started'))
    .withStartupTimeout(180_000)
    .start();
  const brokers = [`${host}:${hostPort}`];
  const ready = await waitUntilBrokerAnswers(brokers, 60_000);
  if (!ready.ok) {
    await container.stop();
    return { ok: false, reason: `${image} started but ${ready.reason}` };
  }
  return {
    ok: true,
    broker: {
      brokers,
      description: `${image} container on ${brokers[0]}`,
      stop: async () => {
        await container.stop();
      },
    },
  };
}

async function containerRuntimeHost(): Promise<string | undefined> {
  const noAnswer = new Promise<undefined>((resolve) =>
    setTimeout(() => resolve(undefined), runtimeProbeMs).unref(),
  );
  try {
    const client = await Promise.race([getContainerRuntimeClient(), noAnswer]);
    return client?.info.containerRuntime.host;
  } catch {
    return undefined;
  }
}

/** The apache/kafka image's naming: `.` → `_`, `_` → `__`, `-` → `___`, prefixed with KAFKA_. */
function imageVariable(property: string): string {
  return `KAFKA_${property.replaceAll('_', '__').replaceAll('-', '___').replaceAll('.', '_').toUpperCase()}`;
}
