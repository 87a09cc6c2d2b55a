import type { Command } from 'commander';
import { loadConfig } from '../pipeline/load-config.js';
import { migrateStore } from '../store/index.js';

/** `hopwatch migrate`: applies the store's pending schema migrations and prints each one. */
export function register(program: Command): void {
  program
    .command('migrate')
    .description(
      'Apply pending ClickHouse schema migrations (embedded chDB under dataDir, or the server at CLICKHOUSE_URL) and print what was applied',
    )
    .option('-c, --config <file>', 'YAML config file (default: ./hopwatch.yaml when present)')
    .action(async (options: { config?: string }) => {
      const loaded = loadConfig(options.config, process.env);
      if (!loaded.ok) {
        process.stderr.write(`hopwatch migrate: ${loaded.reason}\n`);
        process.exit(2);
      }
      const { config } = loaded;
      try {
        const report = await migrateStore(config);
        for (const change of report.changes) process.stdout.write(`applied ${change}\n`);
        if (report.changes.length === 0) process.stdout.write('nothing to apply\n');
        const where = report.target === 'chdb' ? `embedded chDB at ${report.location}` : report.location;
        process.stdout.write(
          `schema version ${report.version}, database ${config.store.database}, ${where}\n`,
        );
      } catch (error) {
        process.stderr.write(`hopwatch migrate: ${(error as Error).message}\n`);
        process.exit(1);
      }
      // Exit explicitly: the embedded engine's native handles would otherwise keep the process alive.
      process.exit(0);
    });
}
