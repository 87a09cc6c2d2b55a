import { createReadStream, existsSync } from 'node:fs';
import type { Command } from 'commander';
import { createLogger } from '../common/logger.js';
import { createDetectionEngine, type EngineConfig } from '../detectors/engine.js';
import type { EngineSink } from '../detectors/types.js';
import { type InputLine, readLines } from '../ingest/lines.js';
import {
  autoFormat,
  defaultMaxRecordBytes,
  formatNames,
  type NormalizeResult,
  normalizeRecord,
} from '../ingest/normalize.js';
import type { HopwatchConfig } from '../schemas/config.js';
import { type DetectorName, detectorNames, type Finding } from '../schemas/finding.js';
import { loadConfig } from '../schemas/load-config.js';
import { StoringSink } from './detect-store.js';

export type DetectionSummary = {
  records: number;
  events: number;
  rejected: number;
  /** Rejected records per reason, with where the first one was. */
  rejections: Array<{ reason: string; count: number; first: string }>;
  findingsByDetector: Record<DetectorName, number>;
  lateEvents: number;
  duplicateHops: number;
  evictedTraces: number;
};

export type DetectionOptions = {
  config: EngineConfig;
  /** A format name or `auto` (per record). */
  format?: string;
  /** Receives every resolved hop and every finding as soon as the engine produces it. */
  sink: EngineSink;
  now: () => number;
  /** Told of every line that could not be read, with the reason. */
  onReject?(line: InputLine, reason: string): void;
};

const distinctReasonsKept = 20;

/**
 * Lines → normalizeRecord → detection engine, then every window closed at end of input. The sink
 * decides where hops and findings go (stdout for `detect`, a store, alerts), so that other commands
 * reuse this loop as it is.
 */
export async function detectLines(
  lines: AsyncIterable<InputLine>,
  options: DetectionOptions,
): Promise<DetectionSummary> {
  const engine = createDetectionEngine(options.config, options.sink, { now: options.now });
  const rejections = new Map<string, { count: number; first: string }>();
  let records = 0;
  let events = 0;
  let rejected = 0;
  for await (const input of lines) {
    const { line, lineNumber, file, overflowBytes } = input;
    if (overflowBytes === undefined && line.trim().length === 0) continue;
    records++;
    const result =
      overflowBytes === undefined
        ? safeNormalize(line, options)
        : { ok: false as const, reason: `line longer than ${defaultMaxRecordBytes} bytes` };
    if (!result.ok) {
      rejected++;
      noteRejection(rejections, result.reason, `${file ?? 'stdin'}:${lineNumber}`);
      options.onReject?.(input, result.reason);
      continue;
    }
    for (const event of result.events) engine.observe(event);
    events += result.events.length;
  }
  engine.flush();
  const stats = engine.stats();
  return {
    records,
    events,
    rejected,
    rejections: [...rejections].map(([reason, { count, first }]) => ({ reason, count, first })),
    findingsByDetector: stats.findingsByDetector,
    lateEvents: stats.lateEvents,
    duplicateHops: stats.duplicateHops,
    evictedTraces: stats.evictedTraces,
  };
}

/** An adapter bug must cost one record, not the run: it becomes a rejection like any bad input. */
function safeNormalize(line: string, options: DetectionOptions): NormalizeResult {
  try {
    return normalizeRecord(line, { format: options.format ?? autoFormat, now: options.now() });
  } catch (error) {
    return { ok: false, reason: `format adapter failed (${(error as Error).name})` };
  }
}

function noteRejection(
  rejections: Map<string, { count: number; first: string }>,
  reason: string,
  where: string,
) {
  const known = rejections.get(reason);
  if (known !== undefined) known.count++;
  else if (rejections.size < distinctReasonsKept) rejections.set(reason, { count: 1, first: where });
  else noteRejection(rejections, 'other reasons', where);
}

export function describeSummary(summary: DetectionSummary): string {
  const findings = detectorNames.reduce((sum, name) => sum + summary.findingsByDetector[name], 0);
  const perDetector = detectorNames.map((name) => `${name} ${summary.findingsByDetector[name]}`).join(', ');
  const lines = [
    `hopwatch detect: ${summary.records} records, ${summary.events} events, ${summary.rejected} rejected; ` +
      `${findings} findings (${perDetector}); ${summary.lateEvents} late, ${summary.duplicateHops} duplicate, ` +
      `${summary.evictedTraces} traces evicted`,
  ];
  for (const { reason, count, first } of summary.rejections) {
    lines.push(`  rejected ${count} × ${reason} (first at ${first})`);
  }
  return `${lines.join('\n')}\n`;
}

/** Prints each finding as one JSON line on stdout. */
export function stdoutFindingSink(write: (text: string) => void): EngineSink {
  return {
    hop: () => {},
    finding: (finding: Finding) => write(`${JSON.stringify(finding)}\n`),
  };
}

type DetectFlags = { format: string; config?: string; store?: boolean };

const stdinName = '-';

/** The lines of every file in turn, or of standard input when no file (or `-`) is named. */
export async function* inputLines(files: readonly string[]): AsyncGenerator<InputLine> {
  for (const file of files.length === 0 ? [stdinName] : files) {
    const stream = file === stdinName ? process.stdin : createReadStream(file);
    const name = file === stdinName ? undefined : file;
    yield* readLines(stream, {
      maxLineBytes: defaultMaxRecordBytes,
      ...(name === undefined ? {} : { file: name }),
    });
  }
}

async function detectCommand(files: string[], flags: DetectFlags): Promise<number> {
  if (!formatNames.includes(flags.format)) {
    process.stderr.write(
      `hopwatch detect: unknown format "${flags.format}" (one of: ${formatNames.join(', ')})\n`,
    );
    return 2;
  }
  const missing = files.find((file) => file !== stdinName && !existsSync(file));
  if (missing !== undefined) {
    process.stderr.write(`hopwatch detect: no such file: ${missing}\n`);
    return 2;
  }
  const loaded = loadConfig(flags.config);
  if (!loaded.ok) {
    process.stderr.write(`hopwatch detect: ${loaded.reason}\n`);
    return 2;
  }
  const config = loaded.config;
  const detection = {
    config: { lineage: config.lineage, detectors: config.detectors },
    format: flags.format,
    sink: stdoutFindingSink((text) => process.stdout.write(text)),
    now: Date.now,
  };
  const summary =
    flags.store === true
      ? await detectIntoStore(files, detection, config)
      : await detectLines(inputLines(files), detection);
  process.stderr.write(describeSummary(summary));
  return 0;
}

/** `--store`: the same detection, with hops, findings and rejected lines also written to the store. */
async function detectIntoStore(
  files: string[],
  detection: DetectionOptions,
  config: HopwatchConfig,
): Promise<DetectionSummary> {
  // Loaded here: plain `detect` never pays for the store's modules.
  const { openStore } = await import('../store/index.js');
  const store = await openStore(config, createLogger(config.logLevel));
  try {
    const storing = new StoringSink(store.writer, detection.sink);
    const summary = await detectLines(storing.interleave(inputLines(files)), {
      ...detection,
      sink: storing,
      onReject: (line, reason) => storing.reject(line, reason, detection.now()),
    });
    await storing.finish();
    return summary;
  } finally {
    await store.close();
  }
}

export function register(program: Command): void {
  program
    .command('detect')
    .description(
      'Rebuild call lineage and run the fan-out, recursion, scope-expansion and rate detectors over ' +
        'access logs; prints one finding per line (JSON) on stdout and a summary on stderr.',
    )
    .argument(
      '[files...]',
      'log files, any supported format, mixed; standard input when none is given or "-"',
    )
    .option('--format <format>', `input format: ${formatNames.join(', ')}`, autoFormat)
    .option('--config <file>', 'configuration file (default: ./hopwatch.yaml when present)')
    .option('--store', 'also write hops, findings and rejected lines to the store (chDB or store.url)')
    .action(async (files: string[], flags: DetectFlags) => {
      // Exit explicitly: the embedded store's native handles would otherwise keep the process alive.
      process.exit(await detectCommand(files, flags));
    });
}
