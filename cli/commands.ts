import type { Command } from 'commander';

type CommandModule = { register(program: Command): void };

/**
 * Every `hopwatch` subcommand, one line each. Loaded lazily: a run of one subcommand imports only its
 * own module (the store, fastify and kafkajs cost hundreds of milliseconds to load).
 */
export const commandModules: Record<string, () => Promise<CommandModule>> = {
  token: () => import('./token.js'),
  generate: () => import('./generate.js'),
  evaluate: () => import('./evaluate.js'),
  replay: () => import('./replay.js'),
  migrate: () => import('./migrate.js'),
  normalize: () => import('./normalize.js'),
  detect: () => import('./detect.js'),
  explain: () => import('./explain.js'),
  run: () => import('./run.js'),
  'alert-test': () => import('./alert-test.js'),
  check: () => import('./check.js'),
};

/** The modules to load for these arguments: the named subcommand's, none for the version, or all of them (help, typos). */
export function modulesFor(argv: readonly string[]): Array<() => Promise<CommandModule>> {
  const asked = argv[2];
  if (asked === '--version' || asked === '-V') return [];
  const one = asked === undefined ? undefined : commandModules[asked];
  return one === undefined ? Object.values(commandModules) : [one];
}
