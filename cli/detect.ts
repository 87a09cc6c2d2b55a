import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { describeError } from '../common/errors.js';
import { createLogger } from '../common/logger.js';
import { autoFormat, formatNames } from '../ingest/normalize.js';
import { assemble } from '../pipeline/assemble.js';
import { describeSummary, detectFiles } from '../pipeline/detect.js';
import { loadConfig } from '../pipeline/load-config.js';
import { storageNotes } from '../pipeline/stats.js';

type DetectFlags = { format: string; config?: string; store?: boolean };

async function detectCommand(files: string[], flags: DetectFlags): Promise<number> {
  if (!formatNames.includes(flags.format)) {
    process.stderr.write(
      `hopwatch detect: unknown format "${flags.format}" (one of: ${formatNames.join(', ')})\n`,
    );
    return 2;
  }
  for (const file of files) {
    if (file === '-') continue;
    const problem = !existsSync(file) ? 'no such file' : statSync(file).isFile() ? undefined : 'not a file';
    if (problem === undefined) continue;
    process.stderr.write(`hopwatch detect: ${problem}: ${file}\n`);
    return 2;
  }
  const loaded = loadConfig(flags.config);
  if (!loaded.ok) {
    process.stderr.write(`hopwatch detect: ${loaded.reason}\n`);
    return 2;
  }
  // Findings to stdout, and with --store hops, findings and rejected lines to the store too; no source
  // runs: the files are fed to a lane of their own.
  const sinks = flags.store === true ? ['stdout', 'store'] : ['stdout'];
  const config = { ...loaded.config, sinks, sources: [] };
  const logger = createLogger(config.logLevel, config.logFormat);
  try {
    const assembled = await assemble(config, { logger });
    if (!assembled.ok) {
      process.stderr.write(`hopwatch detect: ${assembled.reason}\n`);
      return 2;
    }
    const { pipeline } = assembled;
    try {
      const summary = await detectFiles(files, pipeline.lane('file'), { format: flags.format, logger });
      process.stderr.write(describeSummary(summary));
      for (const note of storageNotes(pipeline.stats(), config.store)) process.stderr.write(`  ${note}\n`);
    } finally {
      await pipeline.close();
    }
    return 0;
  } catch (error) {
    // A store that cannot be opened (another process holds the data directory, a server that does not answer).
    logger.debug({ err: error }, 'detect failed');
    process.stderr.write(`hopwatch detect: ${describeError(error)}\n`);
    return 1;
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
