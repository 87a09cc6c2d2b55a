import { randomUUID } from 'node:crypto';
import { CompressionTypes, ConfigResourceTypes } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { changelogTopicOf, StateChangelog } from '../ingest/kafka-changelog.js';
import { kafkaClient, silent } from './helpers/kafka-ingest.js';

/** Writes `state` as JSON in slices of about `sliceChars`, as an engine snapshot is written. */
function slicesOf(state: unknown, sliceChars = 100_000) {
  const text = JSON.stringify(state);
  return async (out: (slice: string) => Promise<void>) => {
    for (let at = 0; at < text.length; at += sliceChars) await out(text.slice(at, at + sliceChars));
  };
}

async function freshChangelog(): Promise<StateChangelog> {
  const kafka = kafkaClient();
  const changelog = new StateChangelog(
    kafka,
    changelogTopicOf(`hopwatch-test/${randomUUID().slice(0, 8)}`),
    CompressionTypes.None,
    silent,
  );
  const admin = kafka.admin();
  await admin.connect();
  expect(await changelog.ensure(admin)).toBe(true);
  expect(await changelog.ensure(admin)).toBe(false);
  const [described] = (
    await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: changelog.topic }],
      includeSynonyms: false,
    })
  ).resources;
  const policy = described?.configEntries.find((entry) => entry.configName === 'cleanup.policy');
  expect(policy?.configValue).toBe('compact');
  await admin.disconnect();
  await changelog.connect();
  return changelog;
}

describe('the state changelog of a split stage', () => {
  it('gives back the latest state of each task asked for, a state of several megabytes in chunks', async () => {
    const changelog = await freshChangelog();
    try {
      expect(changelog.topic).toMatch(/^hopwatch-test_[0-9a-f]{8}-state-changelog$/);
      expect(await changelog.read(['in/0'])).toEqual(new Map());
      // Unique text compresses badly and passes the broker's 1 MB message limit several times over.
      const big = { windows: Array.from({ length: 60_000 }, (_, index) => `${randomUUID()}-${index}`) };
      await changelog.save('in/0', 10n, slicesOf({ version: 'old' }));
      await changelog.save('in/1', 7n, slicesOf({ version: 'kept' }));
      await changelog.save('in/0', 25n, slicesOf(big));
      await changelog.save('in/2', 3n, slicesOf({ version: 'not asked for' }));

      const saved = await changelog.read(['in/0', 'in/1', 'in/5']);
      expect([...saved.keys()].sort()).toEqual(['in/0', 'in/1']);
      expect(saved.get('in/0')).toEqual({ offset: 25n, snapshot: big });
      expect(saved.get('in/1')).toEqual({ offset: 7n, snapshot: { version: 'kept' } });

      // A smaller state after a bigger one: the bigger one's later chunks are still there, and unused.
      await changelog.save('in/0', 40n, slicesOf({ version: 'small again' }));
      expect((await changelog.read(['in/0'])).get('in/0')).toEqual({
        offset: 40n,
        snapshot: { version: 'small again' },
      });
    } finally {
      await changelog.disconnect();
    }
  }, 60_000);
});
