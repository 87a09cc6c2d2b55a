import {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
} from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import { retryStartup, settling } from './kafka-retry.js';

const logger = createLogger('silent');

/** What kafkajs throws for a topic a broker does not know yet: its own retrier gave up on error code 3. */
function unknownTopic(): Error {
  const answer = Object.assign(new Error('This server does not host this topic-partition'), {
    type: 'UNKNOWN_TOPIC_OR_PARTITION',
    code: 3,
    retriable: true,
  });
  return new KafkaJSNumberOfRetriesExceeded(new KafkaJSProtocolError(answer), {
    retryCount: 5,
    retryTime: 1_000,
  });
}

describe('start-up against a settling broker', () => {
  it('tells a broker still settling from failures that retrying at start-up cannot mend', () => {
    expect(settling(unknownTopic())).toBe(true);
    expect(settling(new KafkaJSNonRetriableError('SASL PLAIN authentication failed'))).toBe(false);
    // Unreachable brokers: kafkajs retried the connection already, and start-up says so at once.
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    expect(settling(new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 5, retryTime: 1_000 }))).toBe(
      false,
    );
    expect(settling(new Error('ENOENT'))).toBe(false);
  });

  it('retries a step while the broker is settling, and stops at once on any other failure', async () => {
    let attempts = 0;
    const settled = await retryStartup(
      'subscribing',
      async () => {
        attempts += 1;
        if (attempts < 3) throw unknownTopic();
        return 'subscribed';
      },
      logger,
    );
    expect([settled, attempts]).toEqual(['subscribed', 3]);

    attempts = 0;
    const refused = retryStartup(
      'connecting',
      async () => {
        attempts += 1;
        throw new KafkaJSNonRetriableError('SASL PLAIN authentication failed');
      },
      logger,
    );
    await expect(refused).rejects.toThrow('SASL PLAIN authentication failed');
    expect(attempts).toBe(1);
  });
});
