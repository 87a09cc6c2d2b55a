import { Command, CommanderError } from 'commander';
import { modulesFor } from './commands.js';

const program = new Command('hopwatch')
  .description('Watch AI-agent and non-human-identity traffic in gateway and service-mesh access logs.')
  .version('0.1.0')
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });

for (const load of modulesFor(process.argv)) (await load()).register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version end through here with exit code 0; every other commander error is a usage error.
    process.exit(error.exitCode === 0 ? 0 : 2);
  }
  throw error;
}
