import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { assertBuilt, HOPWATCH_BIN } from '../test/helpers/api-process.js';
import { commandModules, modulesFor } from './commands.js';

const argv = (...args: string[]) => [process.execPath, 'hopwatch', ...args];

describe('the command modules a run loads', () => {
  it('loads the named subcommand alone, none for the version, and all for help or a typo', () => {
    expect(modulesFor(argv('detect', 'file.ndjson'))).toEqual([commandModules.detect]);
    expect(modulesFor(argv('--version'))).toEqual([]);
    expect(modulesFor(argv('-V'))).toEqual([]);
    const all = Object.values(commandModules);
    expect(modulesFor(argv('--help'))).toEqual(all);
    expect(modulesFor(argv())).toEqual(all);
    expect(modulesFor(argv('detcet'))).toEqual(all);
  });

  it('prints the version without any subcommand, and lists every subcommand in its help', () => {
    assertBuilt();
    const version = spawnSync(process.execPath, [HOPWATCH_BIN, '--version'], { encoding: 'utf8' });
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = spawnSync(process.execPath, [HOPWATCH_BIN, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    for (const name of Object.keys(commandModules)) expect(help.stdout).toContain(name);
  });
});
