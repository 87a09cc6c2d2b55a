import { logLevel } from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { bridgeLogs } from './kafka-client.js';

/** What kafkajs's logger hands a log creator, as its Connection logs a broker's answer. */
function brokerAnswer(level: logLevel, error: string) {
  return {
    namespace: 'Connection',
    level,
    label: level === logLevel.ERROR ? 'ERROR' : 'WARN',
    log: {
      timestamp: '2026-12-07T09:00:00.000Z',
      message: 'Response GroupCoordinator(key: 10, version: 2)',
      error,
    },
  };
}

function logged(entries: ReturnType<typeof brokerAnswer>[]): Array<{ level: number; msg: string }> {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
  const log = bridgeLogs(logger)();
  for (const entry of entries) log(entry);
  return lines.map((line) => JSON.parse(line));
}

describe("kafkajs's logs", () => {
  it('are warnings, not errors, when the broker answers with a transient state kafkajs retries', () => {
    const lines = logged([
      brokerAnswer(logLevel.ERROR, 'The group coordinator is not available'),
      brokerAnswer(
        logLevel.ERROR,
        "The coordinator is loading and hence can't process requests for this group",
      ),
      brokerAnswer(logLevel.ERROR, 'Not authorized to access topics: [Topic authorization failed]'),
      brokerAnswer(logLevel.WARN, 'The group is rebalancing, so a rejoin is needed'),
    ]);
    expect(lines.map((line) => line.level)).toEqual([40, 40, 50, 40]);
    expect(lines[2]!.msg).toBe('kafkajs: Response GroupCoordinator(key: 10, version: 2)');
  });
});
