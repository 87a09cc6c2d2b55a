import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'data/**'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // First, so that its directory is removed last. A real Kafka broker for the whole run
    // (KAFKA_BROKERS, else Docker, else Maven jars): test/kafka/.
    globalSetup: ['test/run-temp-dir.ts', 'test/kafka/global-setup.ts', 'test/config-isolation.ts'],
  },
});
