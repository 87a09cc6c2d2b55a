import type { Command } from 'commander';
import { register as registerDetect } from './detect.js';
import { register as registerEvaluate } from './evaluate.js';
import { register as registerGenerate } from './generate.js';
import { register as registerMigrate } from './migrate.js';
import { register as registerNormalize } from './normalize.js';
import { register as registerReplay } from './replay.js';
import { register as registerRun } from './run.js';
import { register as registerToken } from './token.js';

/** Every `hopwatch` subcommand registers itself here: one line per command. */
export const commandRegistry: Array<(program: Command) => void> = [
  registerToken,
  registerGenerate,
  registerEvaluate,
  registerReplay,
  registerMigrate,
  registerNormalize,
  registerDetect,
  registerRun,
];
