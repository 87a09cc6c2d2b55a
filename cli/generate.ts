import type { Command } from 'commander';
import { parseDuration } from '../scenarios/duration.js';
import { drills, findScenario, scenarios } from '../scenarios/registry.js';
import { type Scenario, type ScenarioFormat, scenarioFormats } from '../scenarios/traffic.js';
import { writeScenario } from '../scenarios/write.js';

type GenerateFlags = {
  scenario: string;
  seed: string;
  format: string;
  duration?: string;
  rate: string;
  out: string;
};

/** `hopwatch generate`: labelled scenario traffic, byte-identical for a given seed. */
export function register(program: Command): void {
  program
    .command('generate')
    .description('Write labelled scenario traffic (NDJSON + .labels.json sidecar), deterministic per seed')
    .requiredOption(
      '--scenario <name>',
      `a scenario or "all": ${scenarios.map((s) => s.name).join(', ')}; or a drill (not in all): ${drills.map((s) => s.name).join(', ')}`,
    )
    .option('--seed <n>', 'integer seed: same seed, same bytes', '1')
    .option(
      '--format <format>',
      `${scenarioFormats.join('|')}|mixed (each scenario in its own format)`,
      'canonical',
    )
    .option('--duration <span>', "override each scenario's length, e.g. 10m, 90s, 25h")
    .option('--rate <r>', 'multiplier on how often background agents act', '1')
    .requiredOption('--out <dir>', 'output directory')
    .action((flags: GenerateFlags) => {
      const fail = (message: string): never => program.error(message, { exitCode: 2 });
      const selected =
        flags.scenario === 'all' ? scenarios : [findScenario(flags.scenario) ?? unknownScenario(flags, fail)];
      const seed = Number(flags.seed);
      if (!Number.isSafeInteger(seed)) fail(`--seed must be an integer, got ${flags.seed}`);
      const rate = Number(flags.rate);
      if (!(rate > 0 && Number.isFinite(rate))) fail(`--rate must be a positive number, got ${flags.rate}`);
      const durationMs = flags.duration === undefined ? undefined : parseDuration(flags.duration);
      if (flags.duration !== undefined && durationMs === undefined)
        fail(`--duration: cannot read ${flags.duration}`);
      if (flags.format !== 'mixed' && !(scenarioFormats as readonly string[]).includes(flags.format)) {
        fail(`--format must be one of ${scenarioFormats.join(', ')}, mixed; got ${flags.format}`);
      }
      for (const scenario of selected) {
        const format = flags.format === 'mixed' ? scenario.mixedFormat : (flags.format as ScenarioFormat);
        const written = writeScenario(
          scenario,
          format,
          { seed, rate, ...(durationMs ? { durationMs } : {}) },
          flags.out,
        );
        if (!written.ok) {
          process.stderr.write(`${scenario.name}: skipped: ${written.reason}\n`);
          process.exitCode = 1;
          continue;
        }
        process.stdout.write(
          `${written.trafficPath}: ${written.records} ${written.format} records, ${written.hops} hops, ${written.labels} labels, ${(written.bytes / 1024).toFixed(0)} KiB\n`,
        );
      }
    });
}

function unknownScenario(flags: GenerateFlags, fail: (message: string) => never): Scenario {
  return fail(`unknown scenario ${flags.scenario}; known: ${scenarios.map((s) => s.name).join(', ')}, all`);
}
