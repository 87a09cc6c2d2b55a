import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { ScenarioLabels } from '../evaluation/labels.js';
import { matchFindings } from '../evaluation/match.js';
import type { Finding } from '../schemas/finding.js';
import type { Incident } from '../schemas/incident.js';
import { spawnHopwatch } from './helpers/api-process.js';
import { benignHops, watermarkHop } from './helpers/api-traffic.js';
import {
  freshTopic,
  kafkaClient,
  mergeScenarios,
  missedLabels,
  produceFiles,
  scenarioFile,
  scenarioLabels,
  testConfig,
  waitUntil,
} from './helpers/kafka-ingest.js';
import {
  committedTotal,
  consumerLag,
  kafkaRecordsReceived,
  kafkaRunConfig,
  latestAssignment,
  metricValue,
  type RunningHopwatch,
  stopGracefully,
  storedFindings,
  testWebhook,
} from './helpers/kafka-process.js';
import { processHarness } from './helpers/process-harness.js';
import { testKafkaBrokers } from './kafka/test-brokers.js';

const harness = processHarness();
const { dataDir, start } = harness;

/** Scenarios on one timeline, split in two files, so that the second half can arrive while hopwatch runs. */
function splitScenarios(names: string[], dir: string): { halves: [string, string]; labels: ScenarioLabels } {
  const merged = join(dir, 'merged.ndjson');
  const labels = mergeScenarios(names, merged);
  const lines = readFileSync(merged, 'utf8').trimEnd().split('\n');
  const middle = Math.floor(lines.length / 2);
  const halves = [lines.slice(0, middle), lines.slice(middle)].map((part, index) => {
    const file = join(dir, `half-${index}.ndjson`);
    writeFileSync(file, `${part.join('\n')}\n`);
    return file;
  });
  return { halves: [halves[0]!, halves[1]!], labels };
}

const producerConfig = () => testConfig({ kafka: { brokers: testKafkaBrokers() } });

describe('hopwatch run with Kafka', () => {
  it('killed with SIGKILL mid-stream and restarted, stores and alerts every finding exactly once', async () => {
    const { topic, groupId } = await freshTopic('crash');
    const dir = dataDir('kafka-crash');
    const webhooks = [
      testWebhook('crash-test', harness.receiver.url, { notify: 'findings' }),
      testWebhook('crash-incidents', `${harness.receiver.url}/incidents`),
    ];
    const file = kafkaRunConfig(
      dir,
      topic,
      groupId,
      { checkpointIntervalMs: 2_000 },
      { alerts: { webhooks } },
    );
    const {
      halves: [first, second],
      labels,
    } = splitScenarios(
      ['runaway-retry', 'agent-recursion', 'fanout-explosion', 'scope-creep', 'auth-probing', 'stolen-key'],
      dir,
    );
    const producer = producerConfig();

    const crashed = await start(file, dir);
    const firstCount = await produceFiles(producer, topic, [first]);
    // The first half is checkpointed and committed: the restart resumes from that state, not from scratch.
    await waitUntil(
      'the first half committed',
      async () => (await committedTotal(groupId, topic)) === firstCount,
    );
    const secondCount = await produceFiles(producer, topic, [second]);
    await waitUntil(
      'part of the second half consumed',
      async () => (await kafkaRecordsReceived(crashed)) > firstCount,
      30_000,
    );
    crashed.process.child.kill('SIGKILL');
    await crashed.process.exited;
    const committedAtCrash = await committedTotal(groupId, topic);

    const restartedAt = Date.now();
    const restarted = await start(file, dir);
    await waitUntil(
      'every offset committed',
      async () => (await committedTotal(groupId, topic)) === firstCount + secondCount,
      60_000,
    );
    const recoveryMs = Date.now() - restartedAt;
    const reread = await kafkaRecordsReceived(restarted);
    expect(await stopGracefully(restarted)).toBe(0);
    console.info(
      `kill -9 at committed ${committedAtCrash}/${firstCount + secondCount}; restart re-read ${reread} records, all committed ${recoveryMs} ms after the restart`,
    );

    const stored = await storedFindings(dir);
    expect(missedLabels(stored.final, labels)).toEqual([]);
    expect(matchFindings(stored.final, labels).falsePositives).toEqual([]);
    const ids = stored.final.map((finding) => finding.id);
    expect(new Set(ids).size).toBe(ids.length);
    const rows = [...stored.rowsPerId.values()].reduce((sum, count) => sum + count, 0);
    console.info(`findings: ${ids.length}, physical rows before merges: ${rows}`);
    // Incidents resume with the engine from the checkpoint: every finding counted once in its incident.
    const perIncident = new Map<string, number>();
    for (const finding of stored.final) {
      expect(finding.incidentId).toBeDefined();
      perIncident.set(finding.incidentId!, (perIncident.get(finding.incidentId!) ?? 0) + 1);
    }
    expect(new Map(stored.incidents.map((incident) => [incident.id, incident.findingCount]))).toEqual(
      perIncident,
    );

    // A third run delivers what the outbox still holds; every finding reaches the webhook once.
    const third = await start(file, dir);
    const findingDeliveries = () =>
      harness.receiver.requests
        .filter((request) => !request.path.endsWith('/incidents'))
        .map((request) => ({
          id: String(request.headers['x-hopwatch-delivery']),
          findingId: (JSON.parse(request.rawBody.toString()) as Finding).id,
        }));
    const delivered = () => findingDeliveries().map((delivery) => delivery.findingId);
    const incidentDeliveries = () =>
      harness.receiver.requests
        .filter((request) => request.path.endsWith('/incidents'))
        .map((request) => ({
          id: String(request.headers['x-hopwatch-delivery']),
          ...(JSON.parse(request.rawBody.toString()) as { event: string; incident: Incident }),
        }));
    const opened = () => incidentDeliveries().filter((delivery) => delivery.event === 'opened');
    await waitUntil('every finding delivered', () => ids.every((id) => delivered().includes(id)), 30_000);
    await waitUntil('every incident opened', () => opened().length >= stored.incidents.length, 30_000);
    expect(await stopGracefully(third)).toBe(0);
    // A kill -9 between the receiver's 2xx and the outbox's record of it sends that delivery again,
    // with the same delivery id: one id per finding, and per incident opened, as a receiver
    // deduplicating on it sees.
    const findingOnce = new Map(findingDeliveries().map((delivery) => [delivery.id, delivery.findingId]));
    expect([...findingOnce.values()].sort()).toEqual([...ids].sort());
    const openedOnce = new Map(opened().map((delivery) => [delivery.id, delivery.incident.id]));
    expect([...openedOnce.values()].sort()).toEqual(stored.incidents.map((incident) => incident.id).sort());
    // A delivery sent again after the kill carries the same id; one id per incident version.
    const versions = new Map(
      incidentDeliveries().map((d) => [d.id, `${d.incident.id}:${d.incident.version}`]),
    );
    expect(new Set(versions.values()).size).toBe(versions.size);
  });

  it('publishes findings as they are raised, and after kill -9 takes the records again in the order it took them before', async () => {
    const { topic, groupId } = await freshTopic('order', 2);
    const dir = dataDir('kafka-order');
    // No checkpoint during the test: findings must not wait for one, and a restart starts from scratch.
    const file = kafkaRunConfig(dir, topic, groupId, { checkpointIntervalMs: 600_000 });
    const scenario = readFileSync(scenarioFile('runaway-retry'), 'utf8').trimEnd().split('\n');
    const labelled = scenarioLabels('runaway-retry').labels;
    const last = Math.max(...labelled.map((label) => label.to));
    // Partition 0: the scenario, then a hop an hour on that closes its windows. Partition 1, later:
    // hops from before the scenario's end, which reach the engine behind its watermark.
    const clock = JSON.stringify(watermarkHop(last + 3_600_000));
    const behind = benignHops(last - 60_000).map((hop) => JSON.stringify({ ...hop, id: `behind-${hop.id}` }));
    const producer = kafkaClient().producer();
    await producer.connect();
    const send = (partition: number, values: string[]) =>
      producer.send({ topic, messages: values.map((value) => ({ value, partition })) });

    const first = await start(file, dir);
    await send(0, [...scenario, clock]);
    await waitUntil(
      'partition 0 consumed',
      async () => (await kafkaRecordsReceived(first)) === scenario.length + 1,
    );
    const findingIds = async ({ baseUrl }: RunningHopwatch) => {
      const page = (await (await fetch(`${baseUrl}/v1/findings?limit=500`)).json()) as { items: Finding[] };
      return page.items.map((finding) => finding.id).sort();
    };
    await waitUntil(
      'the labelled findings stored',
      async () => (await findingIds(first)).length >= labelled.length,
      30_000,
    );
    expect(existsSync(join(dir, 'kafka-checkpoint.json'))).toBe(false);
    await send(1, behind);
    const total = scenario.length + 1 + behind.length;
    await waitUntil('partition 1 consumed', async () => (await kafkaRecordsReceived(first)) === total);
    const late = await metricValue(first, 'hopwatch_late_events_total');
    expect(late).toBeGreaterThan(0);
    const published = await findingIds(first);
    await producer.disconnect();
    first.process.child.kill('SIGKILL');
    await first.process.exited;

    // In event-time order the hops of partition 1 would come first and none would be late.
    const second = await start(file, dir);
    await waitUntil('everything consumed again', async () => (await kafkaRecordsReceived(second)) === total);
    expect(await metricValue(second, 'hopwatch_late_events_total')).toBe(late);
    expect(await findingIds(second)).toEqual(published);
    expect(await stopGracefully(second)).toBe(0);
    const stored = await storedFindings(dir);
    expect(stored.final.map((finding) => finding.id).sort()).toEqual(published);
  });

  it('two instances in one group split the partitions, and each finding is stored by one of them only', async () => {
    const { topic, groupId } = await freshTopic('pair');
    const dirs = [dataDir('kafka-pair-a'), dataDir('kafka-pair-b')];
    // Records are produced while both consume: a partition read up to its known end does not hold the
    // others back, so on a busy machine a burst produced to it can arrive behind them. Two minutes of
    // event time absorb that skew (the scenario is minutes long); what is asserted is that none is late beyond.
    const lateness = { detectors: { allowedLatenessMs: 120_000 } };
    const files = dirs.map((dir) => kafkaRunConfig(dir, topic, groupId, {}, lateness));
    const first = await start(files[0]!, dirs[0]!);
    const second = await start(files[1]!, dirs[1]!);
    const split = () => [first, second].map((instance) => latestAssignment(instance)?.[topic]?.length ?? 0);
    await waitUntil('the partitions split between both', () => split().every((count) => count === 3), 60_000);
    // A rebalance while records flow would move a partition's window state to nobody (see the README):
    // the test produces once the group has settled.
    const settled = JSON.stringify([first, second].map(latestAssignment));
    await sleep(3_000);
    expect(JSON.stringify([first, second].map(latestAssignment))).toBe(settled);

    const records = await produceFiles(producerConfig(), topic, [scenarioFile('runaway-retry')]);
    await waitUntil(
      'every offset committed',
      async () => (await committedTotal(groupId, topic)) === records,
      60_000,
    );
    const received = await Promise.all([first, second].map(kafkaRecordsReceived));
    expect(received[0]! + received[1]!).toBe(records);
    expect(received.every((count) => count > 0)).toBe(true);
    const late = await Promise.all(
      [first, second].map((instance) => metricValue(instance, 'hopwatch_late_events_total')),
    );
    expect(late).toEqual([0, 0]);
    const lag = await Promise.all([first, second].map(consumerLag));
    expect(Object.keys({ ...lag[0], ...lag[1] }).sort()).toEqual(['0', '1', '2', '3', '4', '5']);
    expect([...Object.values(lag[0]!), ...Object.values(lag[1]!)].every((value) => value === 0)).toBe(true);
    expect(await stopGracefully(first)).toBe(0);
    expect(await stopGracefully(second)).toBe(0);

    const findings = [...(await storedFindings(dirs[0]!)).final, ...(await storedFindings(dirs[1]!)).final];
    const ids = findings.map((finding) => finding.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(missedLabels(findings, scenarioLabels('runaway-retry'))).toEqual([]);
  });

  it('`hopwatch replay <scenario> --to kafka` feeds a running `hopwatch run`, which stores the labelled findings', async () => {
    const { topic, groupId } = await freshTopic('replay-cli');
    const dir = dataDir('kafka-replay-cli');
    const file = kafkaRunConfig(dir, topic, groupId);
    const instance = await start(file, dir);
    const replay = spawnHopwatch(
      ['replay', scenarioFile('scope-creep'), '--to', 'kafka', '--speed', 'max', '--config', file],
      {
        KAFKA_BROKERS: testKafkaBrokers().join(','),
        HOPWATCH_LOG_LEVEL: 'silent',
      },
    );
    expect(await replay.exited).toBe(0);
    const records = readFileSync(scenarioFile('scope-creep'), 'utf8').trimEnd().split('\n').length;
    await waitUntil(
      'every offset committed',
      async () => (await committedTotal(groupId, topic)) === records,
      60_000,
    );
    expect(await stopGracefully(instance)).toBe(0);

    const stored = (await storedFindings(dir)).final;
    expect(missedLabels(stored, scenarioLabels('scope-creep'))).toEqual([]);
    expect(matchFindings(stored, scenarioLabels('scope-creep')).falsePositives).toEqual([]);
  });
});
