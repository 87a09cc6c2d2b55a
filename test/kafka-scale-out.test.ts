import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { matchFindings } from '../evaluation/match.js';
import type { Finding } from '../schemas/finding.js';
import { freshTopic, mergeScenarios, produceFiles, testConfig, waitUntil } from './helpers/kafka-ingest.js';
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
  topicEnd,
} from './helpers/kafka-process.js';
import { processHarness } from './helpers/process-harness.js';
import { testKafkaBrokers } from './kafka/test-brokers.js';

const harness = processHarness();
const { dataDir, start } = harness;

const scenarios = ['runaway-retry', 'scope-creep', 'fanout-explosion', 'agent-recursion', 'stolen-key'];

describe('several hopwatch run instances in one group', () => {
  it('a second instance joining after the first judged uncommitted records: every labelled attack found, each finding stored and alerted once', async () => {
    const { topic, groupId } = await freshTopic('join');
    const instanceDirs = [dataDir('kafka-join-a'), dataDir('kafka-join-b')];
    const merged = join(instanceDirs[0]!, 'merged.ndjson');
    const labels = mergeScenarios(scenarios, merged);
    const files = instanceDirs.map((dir) =>
      // No checkpoint (so no commit) comes before the second instance joins: it reads the
      // partitions it gets from their start, and raises again what the first raised from them.
      kafkaRunConfig(
        dir,
        topic,
        groupId,
        { checkpointIntervalMs: 60_000 },
        {
          alerts: {
            webhooks: [testWebhook('join-test', `${harness.receiver.url}/join`, { notify: 'findings' })],
          },
        },
      ),
    );
    // The backlog is in the topic before the first instance starts. Produced while it reads, replay's
    // 500-record sends (minutes of event time each) reach the six partitions a moment apart: a fetch
    // that finds one send in some partitions only lets those records ahead, and the rest come late
    // (a labelled minute then counted in two windows, each under the limit: failed 1 run in 5).
    const records = await produceFiles(testConfig({ kafka: { brokers: testKafkaBrokers() } }), topic, [
      merged,
    ]);
    const first = await start(files[0]!, instanceDirs[0]!);
    await waitUntil(
      'the first instance took every record',
      async () => (await kafkaRecordsReceived(first)) === records,
      60_000,
    );
    await waitUntil('and stored findings', async () => (await findingCount(first)) > 0, 30_000);
    expect(await committedTotal(groupId, topic)).toBe(0);
    expect(await metricValue(first, 'hopwatch_late_events_total')).toBe(0);

    const second = await start(files[1]!, instanceDirs[1]!);
    await waitUntil(
      'the second instance got partitions',
      () => (latestAssignment(second)?.[topic]?.length ?? 0) > 0,
      60_000,
    );
    await waitUntil(
      'and read them to their end',
      async () =>
        Object.values(await consumerLag(second)).every((lag) => lag === 0) &&
        (await kafkaRecordsReceived(second)) > 0,
      60_000,
    );
    // The second instance raises again what the first raised from its partitions (what closes the last
    // windows of its backlog is its idle watermark, some seconds after its last record), and the member
    // that reads the copy's findings partition skips it. Counted while both run: a count read from the
    // first before it stops misses a copy it skips on its way out, and the second then never sees one.
    const copiesSkipped = async () =>
      (await metricValue(first, 'hopwatch_finding_copies_skipped_total')) +
      (await metricValue(second, 'hopwatch_finding_copies_skipped_total'));
    await waitUntil(
      'a copy raised again by the second instance and skipped',
      async () => (await copiesSkipped()) > 0,
      30_000,
    );
    expect(await stopGracefully(first)).toBe(0);
    const findingsTopic = `${topic}.findings`;
    await waitUntil(
      'the findings topic read to its end',
      async () =>
        (await committedTotal(`${groupId}.findings`, findingsTopic)) === (await topicEnd(findingsTopic)),
      30_000,
    );
    expect(await stopGracefully(second)).toBe(0);

    // One embedded store open at a time in this process.
    const stored = [await storedFindings(instanceDirs[0]!), await storedFindings(instanceDirs[1]!)];
    const [inFirst, inSecond] = stored.map(({ final }) => new Set(final.map((finding) => finding.id)));
    expect([...inFirst!].filter((id) => inSecond!.has(id))).toEqual([]);
    const findings = stored.flatMap(({ final }) => final);
    const match = matchFindings(findings, labels);
    expect(match.labels.filter((outcome) => outcome.findings.length === 0)).toEqual([]);

    // Each stored finding reaches the webhook once, from whichever instance stored it.
    const delivered = () =>
      harness.receiver.requests
        .filter((request) => request.path.endsWith('/join'))
        .map((request) => (JSON.parse(request.rawBody.toString()) as Finding).id);
    const ids = findings.map((finding) => finding.id);
    // The outboxes delivered what they could before the stop; restarting both sends the rest.
    if (!ids.every((id) => delivered().includes(id))) {
      const restarted = await Promise.all(instanceDirs.map((dir, index) => start(files[index]!, dir)));
      await waitUntil('every finding delivered', () => ids.every((id) => delivered().includes(id)), 30_000);
      for (const instance of restarted) expect(await stopGracefully(instance)).toBe(0);
    }
    expect(delivered().sort()).toEqual([...ids].sort());
  }, 240_000);
});

async function findingCount({ baseUrl }: RunningHopwatch): Promise<number> {
  const stats = (await (await fetch(`${baseUrl}/v1/stats`)).json()) as { store: { findings: number } };
  return stats.store.findings;
}
