import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { createLogger } from '../common/logger.js';
import { type CompressionName, compressionNames, isCompressionName } from '../ingest/compression-names.js';
import type { HopwatchConfig } from '../pipeline/config.js';
import { loadConfig } from '../pipeline/load-config.js';
import { openKafkaTarget } from '../scenarios/replay/kafka-target.js';
import { Pacer, parseSpeed } from '../scenarios/replay/pacer.js';
import { openPipelineTarget } from '../scenarios/replay/pipeline-target.js';
import { createProgress } from '../scenarios/replay/progress.js';
import { type ReplayTarget, replayFiles } from '../scenarios/replay/replay.js';

type ReplayFlags = {
  to: string;
  speed: string;
  rebaseTime?: boolean;
  config?: string;
  topic?: string;
  compression: string;
};

/** `hopwatch replay`: traffic files into Kafka or the in-process pipeline, at a chosen speed. */
export function register(program: Command): void {
  program
    .command('replay')
    .description(
      'Send traffic files to the Kafka input topic or through the in-process pipeline, keeping their timing',
    )
    .argument('<files...>', 'traffic files (any supported format), replayed one after another')
    .option(
      '--to <target>',
      'kafka (the input topic) or pipeline (in-process, findings on stdout)',
      'pipeline',
    )
    .option('--speed <speed>', '1 (real time), 10 (ten times faster), … or max', '1')
    .option(
      '--rebase-time',
      'move event times to the present, files end to end, each keeping its own timing (ending now at --speed max)',
    )
    .option('--config <file>', 'hopwatch.yaml (kafka.brokers, topics, store, alerts)')
    .option('--topic <topic>', 'Kafka topic (default: the first of kafka.topics)')
    .option('--compression <codec>', `with --to kafka: ${compressionNames.join(', ')}`, 'none')
    .action(async (files: string[], flags: ReplayFlags) => {
      const fail = (message: string): never => program.error(message, { exitCode: 2 });
      const speed =
        parseSpeed(flags.speed) ?? fail(`--speed must be a positive number or max, got ${flags.speed}`);
      if (flags.to !== 'kafka' && flags.to !== 'pipeline')
        fail(`--to must be kafka or pipeline, got ${flags.to}`);
      if (!isCompressionName(flags.compression))
        fail(`--compression must be one of ${compressionNames.join(', ')}, got ${flags.compression}`);
      const missing = files.find((file) => !existsSync(file));
      if (missing !== undefined) fail(`no such file: ${missing}`);
      const loaded = loadConfig(flags.config);
      const config = loaded.ok ? loaded.config : fail(loaded.reason);
      const opened = await openTarget(flags, config);
      const target = opened.ok ? opened.target : fail(opened.reason);
      process.stderr.write(
        `replay: ${files.length} file(s) to ${target.description}, speed ${flags.speed}\n`,
      );
      try {
        const summary = await replayFiles(files, target, {
          speed,
          rebaseTime: flags.rebaseTime === true,
          pacer: new Pacer(speed, Date.now),
          now: Date.now,
          sleep: (ms) => sleep(ms),
          progress: createProgress(process.stderr, Date.now),
        });
        const notes = [
          summary.untimed > 0 ? `${summary.untimed} without a readable time (sent unpaced)` : '',
          summary.notRebased > 0
            ? `${summary.notRebased} not rebased (format without known time fields)`
            : '',
        ].filter((note) => note !== '');
        process.stderr.write(
          `replay: ${summary.records} records in ${(summary.wallMs / 1000).toFixed(1)} s${notes.length > 0 ? `; ${notes.join('; ')}` : ''}\n`,
        );
      } finally {
        for (const note of await target.close()) process.stderr.write(`replay: ${note}\n`);
      }
    });
}

async function openTarget(
  flags: ReplayFlags,
  config: HopwatchConfig,
): Promise<{ ok: true; target: ReplayTarget } | { ok: false; reason: string }> {
  if (flags.to === 'kafka') {
    const topic = flags.topic ?? config.kafka.topics[0] ?? 'hopwatch.access-logs';
    return openKafkaTarget(config.kafka, topic, flags.compression as CompressionName);
  }
  const logger = createLogger(config.logLevel, config.logFormat);
  // Findings are printed as they are raised, as `detect` does, besides going to the configured sinks.
  const sinks = config.sinks.includes('stdout') ? config.sinks : [...config.sinks, 'stdout'];
  return openPipelineTarget({ ...config, sinks }, logger);
}
