import type { Command } from 'commander';

/** Every `hopwatch` subcommand registers itself here: one line per command. */
export const commandRegistry: Array<(program: Command) => void> = [];
