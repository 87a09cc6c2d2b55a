import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, spawnHopwatch } from './helpers/api-process.js';
import {
  freshTopic,
  kafkaClient,
  produceFiles,
  scenarioFile,
  tempDataDir,
  testConfig,
} from './helpers/kafka-ingest.js';
import { testKafkaBrokers } from './kafka/test-brokers.js';

/** `hopwatch check -c <config>` with `env`: how it exited and what it printed, line by line. */
async function check(config: Record<string, unknown>, env: Record<string, string> = {}, args: string[] = []) {
  const dir = tempDataDir('check');
  const file = join(dir, 'hopwatch.yaml');
  writeFileSync(file, JSON.stringify({ dataDir: join(dir, 'data'), ...config }));
  const process = spawnHopwatch(['check', '-c', file, ...args], env);
  const code = await process.exited;
  return { code, lines: process.stdout().trimEnd().split('\n'), stderr: process.stderr() };
}

describe('hopwatch check', () => {
  it('tries the brokers as hopwatch would, without creating a topic or joining the group, and says what run would find', async () => {
    const { topic, groupId } = await freshTopic('check');
    const records = await produceFiles(testConfig({ kafka: { brokers: testKafkaBrokers() } }), topic, [
      scenarioFile('fanout-explosion'),
    ]);
    const id = randomUUID().slice(0, 8);
    const internal = {
      deadLetterTopic: `check-dead-${id}`,
      findingsTopic: `check-findings-${id}`,
      hopsTopic: `check-hops-${id}`,
    };
    const { code, lines } = await check(
      { kafka: { topics: [topic], groupId, ...internal } },
      { KAFKA_BROKERS: testKafkaBrokers().join(',') },
    );
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(
      /^ok {4}config {2}roles all; sources http, kafka; sinks store, alerts; data in /,
    );
    expect(lines[1]).toBe('ok    api     127.0.0.1:8080, no tokens: every route open');
    expect(lines[2]).toBe(
      `ok    kafka   1 broker(s) answered; ${topic}: 6 partition(s); ` +
        `missing, created by hopwatch run with 6 partitions: ${internal.deadLetterTopic}, ${internal.findingsTopic}, ${internal.hopsTopic}; ` +
        `group ${groupId}: no committed offsets, starts at the oldest of ${records} record(s)`,
    );
    expect(lines[3]).toMatch(
      /^ok {4}store {3}embedded chDB at .*\/data\/chdb \(created at start\), writable, \d+\.\d GiB free$/,
    );
    expect(lines[4]).toBe('ok    alerts  no webhooks');
    expect(code).toBe(0);
    const admin = kafkaClient().admin();
    await admin.connect();
    try {
      expect(await admin.listTopics()).not.toContain(internal.deadLetterTopic);
      const { groups } = await admin.describeGroups([groupId]);
      expect(groups[0]?.members).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  });

  it('names every part that cannot work, and exits 1', async () => {
    const idle = await freePort();
    const { code, lines } = await check(
      {
        api: { host: '0.0.0.0' },
        kafka: { brokers: [`127.0.0.1:${idle}`] },
        store: { url: `http://127.0.0.1:${idle}` },
        alerts: {
          webhooks: [{ name: 'soc', url: 'https://soc.example/hook', secretEnv: 'CHECK_ABSENT_SECRET' }],
        },
      },
      {},
      ['--timeout', '2'],
    );
    expect(code).toBe(1);
    expect(lines[1]).toMatch(/^FAIL {2}api {5}config field api\.host: 0\.0\.0\.0 is not a loopback address/);
    expect(lines[2]).toMatch(
      new RegExp(
        `^FAIL {2}kafka {3}no answer from 127\\.0\\.0\\.1:${idle} within 2 s \\(the last: kafkajs: .*ECONNREFUSED`,
      ),
    );
    expect(lines[3]).toMatch(new RegExp(`^FAIL {2}store {3}.*127\\.0\\.0\\.1:${idle}`));
    expect(lines[4]).toBe(
      'FAIL  alerts  alerts webhook "soc": environment variable CHECK_ABSENT_SECRET (secretEnv) is not set',
    );
  });

  it('stops at a configuration that does not load, naming the field, and exits 2', async () => {
    const { code, lines, stderr } = await check({ sinks: ['alerts'] });
    expect(code).toBe(2);
    expect(lines).toEqual(['']);
    expect(stderr).toBe(
      'hopwatch check: config field sinks: must include "store" (the API reads findings from it)\n',
    );
  });
});
