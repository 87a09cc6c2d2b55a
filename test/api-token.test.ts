import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { apiConfigSchema } from '../api/config.js';
import { assertBuilt, spawnHopwatch } from './helpers/api-process.js';

async function token(args: string[]) {
  assertBuilt();
  const process = spawnHopwatch(['token', ...args], {});
  let stdout = '';
  process.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  const code = await process.exited;
  return { code, stdout, stderr: process.stderr() };
}

describe('hopwatch token', () => {
  it('prints a new token and a config entry holding only its hash', async () => {
    const { code, stdout } = await token(['--name', 'ci', '--scopes', 'read,ingest']);
    expect(code).toBe(0);
    const presented = /^token: (\S+)$/m.exec(stdout)?.[1];
    expect(presented).toBeDefined();
    const config = parse(stdout.slice(stdout.indexOf('api:')));
    const api = apiConfigSchema.parse(config.api);
    expect(api.tokens).toEqual([
      {
        name: 'ci',
        hash: `sha256:${createHash('sha256').update(presented!).digest('hex')}`,
        scopes: ['read', 'ingest'],
      },
    ]);
    expect(stdout.slice(stdout.indexOf('api:'))).not.toContain(presented);
  });

  it('refuses an unknown scope with exit code 2', async () => {
    const { code, stderr } = await token(['--scopes', 'read,root']);
    expect(code).toBe(2);
    expect(stderr).toContain('root');
  });
});
