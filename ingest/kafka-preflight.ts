import { Writable } from 'node:stream';
import type { Admin } from 'kafkajs';
import pino from 'pino';
import { describeError } from '../common/errors.js';
import type { KafkaConfig } from './config.js';
import { createKafkaClient, wantedTopics } from './kafka-client.js';
import { kafkaConnection } from './kafka-connection.js';
import { settling, untilDone } from './kafka-retry.js';

export type KafkaPreflight = { ok: true; findings: string[] } | { ok: false; reason: string };

/**
 * What `hopwatch check` asks the brokers, as hopwatch's principal, without joining the group or
 * creating anything: that they answer and take the credentials, the partitions of the topics hopwatch
 * uses (and which `hopwatch run` would create), and how far the group is behind on its input.
 */
export async function kafkaPreflight(config: KafkaConfig, timeoutMs: number): Promise<KafkaPreflight> {
  const read = kafkaConnection(config);
  if (!read.ok) return read;
  const said = lastSaid();
  const admin = createKafkaClient(config, said.logger).admin();
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const last = said.last();
      const why = last === undefined ? '' : ` (the last: ${last})`;
      reject(new Error(`no answer from ${config.brokers.join(', ')} within ${timeoutMs / 1000} s${why}`));
    }, timeoutMs);
  });
  try {
    // Asked again while the brokers answer "not now" (a coordinator loading, a leader moving), as run's start-up does.
    const asked = untilDone('asking the brokers', () => askBrokers(admin, config), said.logger, {
      giveUp: (error) => !settling(error) || done,
      meanwhile: 'the brokers are settling; asking again',
    });
    // Settled after the timeout (the admin disconnected under it): nobody waits for it any more.
    asked.catch(() => undefined);
    return { ok: true, findings: await Promise.race([asked, timeout]) };
  } catch (error) {
    return { ok: false, reason: describeError(error) };
  } finally {
    done = true;
    clearTimeout(timer);
    await admin.disconnect().catch(() => undefined);
  }
}

async function askBrokers(admin: Admin, config: KafkaConfig): Promise<string[]> {
  await admin.connect();
  const cluster = await admin.describeCluster();
  const existing = new Set(await admin.listTopics());
  const wanted = wantedTopics(config);
  const present = wanted.filter((topic) => existing.has(topic));
  const missing = wanted.filter((topic) => !existing.has(topic));
  const { topics } =
    present.length === 0 ? { topics: [] } : await admin.fetchTopicMetadata({ topics: present });
  const findings = [
    `${cluster.brokers.length} broker(s) answered`,
    ...topics.map(({ name, partitions }) => `${name}: ${partitions.length} partition(s)`),
  ];
  if (missing.length > 0)
    findings.push(
      `missing, created by hopwatch run with ${config.topicPartitions} partitions: ${missing.join(', ')}`,
    );
  const inputs = config.topics.filter((topic) => existing.has(topic));
  if (inputs.length > 0) findings.push(await groupLag(admin, config, inputs));
  return findings;
}

/** Records of the input topics past the group's committed offsets, or where it would start without any. */
async function groupLag(admin: Admin, config: KafkaConfig, topics: string[]): Promise<string> {
  const { groupId, fromBeginning } = config;
  const committed = await admin.fetchOffsets({ groupId, topics });
  let behind = 0n;
  let started = false;
  for (const { topic, partitions } of committed) {
    const ends = await admin.fetchTopicOffsets(topic);
    for (const { partition, high, low } of ends) {
      const offset = partitions.find((entry) => entry.partition === partition)?.offset ?? '-1';
      if (offset !== '-1') started = true;
      const from = offset === '-1' ? BigInt(low) : BigInt(offset);
      if (BigInt(high) > from) behind += BigInt(high) - from;
    }
  }
  if (started) return `group ${groupId}: ${behind} record(s) behind`;
  return fromBeginning
    ? `group ${groupId}: no committed offsets, starts at the oldest of ${behind} record(s)`
    : `group ${groupId}: no committed offsets, starts with new records (fromBeginning: false)`;
}

/** A logger for kafkajs's lines that keeps the last warning or error: what a check that times out says. */
function lastSaid(): { logger: pino.Logger; last(): string | undefined } {
  let last: string | undefined;
  const keep = new Writable({
    write(chunk, _encoding, done) {
      last = (JSON.parse(String(chunk)) as { msg?: string }).msg ?? last;
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, keep), last: () => last };
}
