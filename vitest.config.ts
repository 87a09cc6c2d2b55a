import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'data/**'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // A real Kafka broker for the whole run (KAFKA_BROKERS, else Docker, else Maven jars): test/kafka/.
    globalSetup: ['test/kafka/global-setup.ts', 'test/config-isolation.ts'],
  },
});
