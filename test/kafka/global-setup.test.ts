import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { testKafkaBrokers } from './test-brokers.js';

describe('the test run broker', () => {
  it('is named to processes that tests spawn through KAFKA_BROKERS', () => {
    const seen = execFileSync(
      process.execPath,
      ['-e', 'process.stdout.write(process.env.KAFKA_BROKERS ?? "")'],
      {
        encoding: 'utf8',
      },
    );

    expect(testKafkaBrokers().length).toBeGreaterThan(0);
    expect(seen).toBe(testKafkaBrokers().join(','));
  });
});
