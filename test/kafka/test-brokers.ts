import { inject } from 'vitest';
import { kafkaBrokersKey } from './provided-context.js';

/** The brokers of the Kafka that test/kafka/global-setup.ts started (or found) for this run. */
export function testKafkaBrokers(): string[] {
  return inject(kafkaBrokersKey);
}
