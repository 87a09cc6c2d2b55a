import type { Command } from 'commander';
import { generateToken } from '../api/auth.js';
import { apiTokenScopes } from '../api/config.js';

/** `hopwatch token`: a new bearer token on stdout, with the config entry that holds only its hash. */
export function register(program: Command): void {
  program
    .command('token')
    .description(
      'Print a new random API bearer token and the api.tokens entry (its sha256 hash) for hopwatch.yaml',
    )
    .option('--name <name>', 'name of the token in the config', 'client')
    .option('--scopes <list>', `comma-separated scopes (${apiTokenScopes.join(', ')})`, 'read')
    .action((options: { name: string; scopes: string }) => {
      const scopes = options.scopes.split(',').map((scope) => scope.trim());
      const unknown = scopes.filter((scope) => !(apiTokenScopes as readonly string[]).includes(scope));
      if (unknown.length > 0) {
        program.error(`unknown scope ${unknown.join(', ')}; use ${apiTokenScopes.join(', ')}`, {
          exitCode: 2,
        });
      }
      const { token, hash } = generateToken();
      process.stdout.write(
        `token: ${token}\n\n# add to hopwatch.yaml (only the hash is stored):\napi:\n  tokens:\n` +
          `    - name: ${JSON.stringify(options.name)}\n      hash: ${hash}\n      scopes: [${scopes.join(', ')}]\n`,
      );
    });
}
