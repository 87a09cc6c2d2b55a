import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrations } from '../store/migrations.js';
import { freePort, spawnHopwatch, startRunProcess } from './helpers/api-process.js';
import {
  freshTopic,
  kafkaClient,
  produceFiles,
  scenarioFile,
  tempDataDir,
  testConfig,
  waitUntil,
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

  it("reads the embedded store's schema when no process holds it, and names the process that does", async () => {
    const dataDir = join(tempDataDir('check-embedded'), 'data');
    const chdb = join(dataDir, 'chdb');
    mkdirSync(chdb, { recursive: true });
    const storeLine = async () => {
      const { code, lines } = await check({ dataDir });
      expect(code).toBe(0);
      return lines[3]!;
    };
    const where = `ok    store   embedded chDB at ${chdb}, writable, `;
    const before = await storeLine();
    expect(before.startsWith(where)).toBe(true);
    expect(before).toMatch(
      new RegExp(`: ${migrations.length} migration\\(s\\) to apply at start \\(or hopwatch migrate\\)$`),
    );

    const configFile = join(dataDir, '..', 'run.yaml');
    writeFileSync(configFile, JSON.stringify({ dataDir }));
    const port = await freePort();
    const running = await startRunProcess(configFile, dataDir, port);
    try {
      await waitUntil('/readyz', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok);
      const during = await storeLine();
      expect(during.startsWith(where)).toBe(true);
      expect(during).toMatch(
        new RegExp(`: open in process ${running.child.pid} since .+, so its schema was not read$`),
      );
    } finally {
      running.child.kill('SIGTERM');
    }
    expect(await running.exited).toBe(0);
    expect(await storeLine()).toMatch(/: schema current$/);
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
