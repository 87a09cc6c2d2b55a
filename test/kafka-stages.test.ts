import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { matchFindings } from '../evaluation/match.js';
import { normalizeRecord } from '../ingest/normalize.js';
import { serializeScenario } from '../scenarios/formats/index.js';
import { generateScenario } from '../scenarios/generate.js';
import { scenarios } from '../scenarios/registry.js';
import type { Finding } from '../schemas/finding.js';
import { watermarkHop } from './helpers/api-traffic.js';
import {
  freshTopic,
  kafkaClient,
  mergeScenarios,
  produceFiles,
  scenarioFile,
  scenarioLabels,
  testConfig,
  waitUntil,
} from './helpers/kafka-ingest.js';
import {
  committedPast,
  committedTotal,
  kafkaRecordsReceived,
  kafkaRunConfig,
  metricValue,
  partitionEnds,
  type RunningHopwatch,
  stopGracefully,
  storedFindings,
  testWebhook,
  topicEnd,
} from './helpers/kafka-process.js';
import { processHarness } from './helpers/process-harness.js';
import { testKafkaBrokers } from './kafka/test-brokers.js';
import { fileEvents, runEngine } from './kits/detectors/run.js';

const harness = processHarness();

type Deployment = { topic: string; groupId: string; webhookPath: string };

async function deployment(what: string): Promise<Deployment> {
  const { topic, groupId } = await freshTopic(what);
  return { topic, groupId, webhookPath: `/${what}-${groupId.slice(-8)}` };
}

/** One instance of a deployment, running `roles`, on a data directory of its own. */
async function start(
  { topic, groupId, webhookPath }: Deployment,
  roles: string,
  dir = harness.dataDir(`stage-${roles.replaceAll(',', '-')}`),
): Promise<RunningHopwatch & { dir: string }> {
  const webhook = testWebhook('stages-test', `${harness.receiver.url}${webhookPath}`, { notify: 'findings' });
  const file = kafkaRunConfig(
    dir,
    topic,
    groupId,
    { checkpointIntervalMs: 1_000 },
    { alerts: { webhooks: [webhook] } },
  );
  const started = await harness.start(file, dir, { HOPWATCH_ROLE: roles });
  return { ...started, dir };
}

const producer = () => testConfig({ kafka: { brokers: testKafkaBrokers() } });

/**
 * Every record of `records` read by the ingest stage, and every hop it published by the detect stage
 * (the hops topic goes on growing meanwhile: each ingest task's watermark marks, each second).
 */
async function drained({ topic, groupId }: Deployment, records: number): Promise<void> {
  const hops = `${topic}.hops`;
  try {
    await waitUntil(
      'the input read and committed',
      async () => (await committedTotal(groupId, topic)) === records,
      240_000,
    );
    const published = await partitionEnds(hops);
    await waitUntil(
      'the hops read by the detect stage',
      () => committedPast(`${groupId}.detect`, hops, published),
      240_000,
    );
  } catch (error) {
    // What the instances warned about says why (a rebalance that did not settle, a replay that waits).
    const input = `input ${await committedTotal(groupId, topic)}/${records}`;
    const detect = `hops ${await committedTotal(`${groupId}.detect`, hops)}/${await topicEnd(hops)}`;
    const warnings = harness.processes.flatMap(({ stderr }) =>
      stderr()
        .split('\n')
        .filter((line) => /"level":[45]0/.test(line) && !line.includes('kafkajs'))
        .slice(-5),
    );
    throw new Error(`${(error as Error).message}; committed: ${input}, ${detect}\n${warnings.join('\n')}`);
  }
}

/**
 * One benign hop an hour past the traffic on every input partition: every ingest engine's watermark,
 * so the detect stage's, passes every window, and findings are raised while the instances run (not
 * by whichever instance's shutdown closes its windows first). Returns the records produced.
 */
async function closeWindows({ topic }: Deployment, at: number): Promise<number> {
  const producer = kafkaClient().producer();
  await producer.connect();
  const messages = [0, 1, 2, 3, 4, 5].map((partition) => {
    const hop = {
      ...watermarkHop(at),
      id: `clock-${partition}`,
      spanId: `clock-${partition}`,
      traceId: `clock-trace-${partition}`,
    };
    return { partition, key: hop.traceId, value: JSON.stringify(hop) };
  });
  await producer.send({ topic, messages });
  await producer.disconnect();
  return messages.length;
}

/**
 * Every generated scenario, 30 minutes of each at four times its agents' usual rate (about 38,000
 * records), in event-time order: a backlog that takes the ingest instances some seconds to read.
 */
function writeBacklog(file: string): void {
  const timed = scenarios.flatMap((scenario) => {
    const serialized = serializeScenario(
      generateScenario(scenario, { seed: 1, rate: 4, durationMs: 30 * 60_000 }),
      'canonical',
    );
    if (!serialized.ok) throw new Error(serialized.reason);
    return serialized.records.map((line) => {
      const decoded = normalizeRecord(line);
      return { ts: decoded.ok ? (decoded.events[0]?.ts ?? 0) : 0, line };
    });
  });
  timed.sort((a, b) => a.ts - b.ts);
  writeFileSync(file, `${timed.map(({ line }) => line).join('\n')}\n`);
}

function lastEventTime(file: string): number {
  return fileEvents(file).reduce((last, event) => Math.max(last, event.ts), 0);
}

function deliveredIds({ webhookPath }: Deployment): string[] {
  return harness.receiver.requests
    .filter((request) => request.path.endsWith(webhookPath))
    .map((request) => (JSON.parse(request.rawBody.toString()) as Finding).id)
    .sort();
}

describe('hopwatch run split in stages over Kafka', () => {
  it('raises a per-credential rate finding when the credential’s requests come in on every input partition and two instances read them', async () => {
    const deploy = await deployment('rate');
    const sink = await start(deploy, 'ingest,detect,sink');
    const ingest = await start(deploy, 'ingest');
    const inputs = () => [sink, ingest].map((instance) => assigned(instance, deploy.topic));
    await waitUntil(
      'the input partitions split between both',
      () => inputs().every((count) => count === 3),
      60_000,
    );
    // Live traffic: both ingest stages move together (README, Scaling out, on catching up a backlog).
    const records = await produceFiles(producer(), deploy.topic, [scenarioFile('stolen-key')], 40);
    await drained(deploy, records);
    const received = await Promise.all([sink, ingest].map(kafkaRecordsReceived));
    expect(received.every((count) => count > 0)).toBe(true);
    // Each stage's engine is measured on its own: the ingest-only instance has a lineage lane only.
    const observed = (instance: RunningHopwatch, lane: string) =>
      metricValue(instance, `hopwatch_lane_events_observed_total{lane="${lane}"}`);
    const resolved = [await observed(ingest, 'kafka'), await observed(sink, 'kafka')];
    expect(resolved.every((count) => count > 0)).toBe(true);
    expect(await observed(ingest, 'kafka-detect')).toBe(0);
    expect(await observed(sink, 'kafka-detect')).toBe(resolved[0]! + resolved[1]!);
    // One record a hop; the ingest tasks' watermark marks are not records received.
    expect(await metricValue(sink, 'hopwatch_records_received_total{source="kafka-detect"}')).toBe(
      resolved[0]! + resolved[1]!,
    );
    expect(
      await metricValue(sink, 'hopwatch_lane_detector_state_entries{lane="kafka-detect",detector="rate"}'),
    ).toBeGreaterThan(0);
    expect(await stopGracefully(ingest)).toBe(0);
    expect(await stopGracefully(sink)).toBe(0);

    const stored = await storedFindings(sink.dir);
    const match = matchFindings(stored.final, scenarioLabels('stolen-key'));
    expect(match.labels.map((outcome) => outcome.findings.length > 0)).toEqual([true]);
    expect(match.falsePositives).toEqual([]);
  }, 180_000);

  it('gives through three instances the findings of one instance, and through kill -9 and a join mid-stream each finding once', async () => {
    const scenarios = ['runaway-retry', 'scope-creep', 'fanout-explosion', 'agent-recursion', 'stolen-key'];
    const mergedDir = harness.dataDir('stages-merged');
    const merged = join(mergedDir, 'merged.ndjson');
    const labels = mergeScenarios(scenarios, merged);
    const clock = lastEventTime(merged) + 3_600_000;

    const single = await deployment('single');
    const alone = await start(single, 'ingest,detect,sink');
    const records =
      (await produceFiles(producer(), single.topic, [merged])) + (await closeWindows(single, clock));
    await drained(single, records);
    expect(await stopGracefully(alone)).toBe(0);
    const reference = (await storedFindings(alone.dir)).final;
    expect(
      matchFindings(reference, labels).labels.filter((outcome) => outcome.findings.length === 0),
    ).toEqual([]);

    // Three instances whose groups have settled: the same findings, the same ids.
    const three = await deployment('three');
    const instances = [
      await start(three, 'ingest,detect,sink'),
      await start(three, 'ingest,detect'),
      await start(three, 'ingest,detect'),
    ];
    const held = (topic: string) => instances.map((instance) => assigned(instance, topic));
    await waitUntil(
      'every instance holds two input and two hops partitions',
      () => [...held(three.topic), ...held(`${three.topic}.hops`)].every((count) => count === 2),
      60_000,
    );
    // Live traffic (15 s): the ingest stages move together (see README, Scaling out, on backlogs).
    await produceFiles(producer(), three.topic, [merged], 40);
    await closeWindows(three, clock);
    await drained(three, records);
    expect(await lateAtDetect(instances)).toBe(0);
    for (const instance of instances.reverse()) expect(await stopGracefully(instance)).toBe(0);
    const sorted = (findings: Finding[]) => findings.map((finding) => finding.id).sort();
    const got = (await storedFindings(instances[2]!.dir)).final;
    expect(sorted(got)).toEqual(sorted(reference));

    // One killed with SIGKILL and restarted, one added, while traffic flows: the partitions' tasks move
    // with them through the state changelogs, and the findings are those of one instance, each stored
    // once and delivered once.
    const churn = await deployment('churn');
    const sink = await start(churn, 'ingest,detect,sink');
    const second = await start(churn, 'ingest,detect');
    const produced = produceFiles(producer(), churn.topic, [merged], 40);
    await sleep(4_000);
    const third = await start(churn, 'ingest,detect');
    await sleep(4_000);
    second.process.child.kill('SIGKILL');
    await second.process.exited;
    const restarted = await start(churn, 'ingest,detect', second.dir);
    expect((await produced) + (await closeWindows(churn, clock))).toBe(records);
    await drained(churn, records);
    // The detect stage waited for the partitions that moved (their tasks' watermarks hold it back): no
    // hop of theirs came after its window had closed.
    expect(await lateAtDetect([restarted, third, sink])).toBe(0);
    for (const instance of [restarted, third, sink]) expect(await stopGracefully(instance)).toBe(0);
    const stored = await storedFindings(sink.dir);
    const ids = sorted(stored.final);
    expect(ids).toEqual(sorted(reference));
    // The one that joined took partitions others had judged records of.
    expect(third.process.stderr()).toContain('took a task over from the state changelog');
    if (deliveredIds(churn).length < ids.length) {
      // The outbox delivers what the stop left in it on the next start.
      const again = await start(churn, 'ingest,detect,sink', sink.dir);
      await waitUntil('every finding delivered', () => deliveredIds(churn).length >= ids.length, 30_000);
      expect(await stopGracefully(again)).toBe(0);
    }
    expect(deliveredIds(churn)).toEqual(ids);
  }, 600_000);

  it('catches up a backlog read by two ingest instances, each at its own pace, as one engine judges the file', async () => {
    const merged = join(harness.dataDir('stages-backlog'), 'backlog.ndjson');
    writeBacklog(merged);
    const reference = runEngine(fileEvents(merged)).findings.map((finding) => finding.id);
    expect(reference.length).toBeGreaterThan(0);

    const deploy = await deployment('backlog');
    const sink = await start(deploy, 'ingest,detect,sink');
    const ingest = await start(deploy, 'ingest');
    await waitUntil(
      'the input partitions split between both',
      () => [sink, ingest].every((instance) => assigned(instance, deploy.topic) === 3),
      60_000,
    );
    // All at once, after both have joined: each ingest instance reads its three partitions at its own pace.
    const records =
      (await produceFiles(producer(), deploy.topic, [merged])) +
      (await closeWindows(deploy, lastEventTime(merged) + 3_600_000));
    await drained(deploy, records);
    expect(await lateAtDetect([sink])).toBe(0);
    for (const instance of [ingest, sink]) expect(await stopGracefully(instance)).toBe(0);
    const stored = (await storedFindings(sink.dir)).final.map((finding) => finding.id);
    expect(stored.sort()).toEqual(reference.sort());
  }, 300_000);
});

/** Hops the detect stages took after their windows had closed, over `instances`. */
async function lateAtDetect(instances: RunningHopwatch[]): Promise<number> {
  const counts = await Promise.all(
    instances.map((instance) =>
      metricValue(instance, 'hopwatch_lane_late_events_total{lane="kafka-detect"}'),
    ),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}

function assigned({ process }: RunningHopwatch, topic: string): number {
  const joins = process
    .stderr()
    .split('\n')
    .filter((line) => line.includes('joined the Kafka consumer group'))
    .map((line) => JSON.parse(line) as { assignment: Record<string, number[]> })
    .filter(({ assignment }) => assignment[topic] !== undefined);
  return joins[joins.length - 1]?.assignment[topic]?.length ?? 0;
}
