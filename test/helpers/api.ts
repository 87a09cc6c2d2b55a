import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateToken } from '../../api/auth.js';
import { assembleHopwatch, type Hopwatch } from '../../cli/run.js';
import { createLogger, type Logger } from '../../common/logger.js';
import type { HopwatchConfigInput } from '../../pipeline/config.js';
import { parseConfig } from '../../pipeline/load-config.js';

/** A real hopwatch (chDB in a temp dir, real engine, real pipeline) on a free loopback port. */
export type TestHopwatch = {
  hopwatch: Hopwatch;
  url: string;
  dataDir: string;
  tokens: { read: string; ingest: string; admin: string };
  close(): Promise<void>;
};

export async function startTestHopwatch(
  overrides: HopwatchConfigInput = {},
  logger: Logger = createLogger('silent'),
): Promise<TestHopwatch> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hopwatch-api-'));
  const read = generateToken();
  const ingest = generateToken();
  const admin = generateToken();
  const parsed = parseConfig({
    dataDir,
    logLevel: 'silent',
    ...overrides,
    api: {
      port: 0,
      tokens: [
        { name: 'dashboard', hash: read.hash, scopes: ['read'] },
        { name: 'shipper', hash: ingest.hash, scopes: ['ingest'] },
        { name: 'ops', hash: admin.hash, scopes: ['admin'] },
      ],
      ...overrides.api,
    },
  });
  if (!parsed.ok) throw new Error(parsed.reason);
  const assembled = await assembleHopwatch(parsed.config, logger);
  if (!assembled.ok) throw new Error(assembled.reason);
  const { hopwatch } = assembled;
  const url = await hopwatch.start();
  return {
    hopwatch,
    url,
    dataDir,
    tokens: { read: read.token, ingest: ingest.token, admin: admin.token },
    close: async () => {
      await hopwatch.shutdown();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A POST of `body` as `contentType` to a running hopwatch, with the ingest token unless told otherwise. */
export function postBody(
  running: TestHopwatch,
  path: string,
  body: Uint8Array | string,
  contentType: string,
  token = running.tokens.ingest,
) {
  return fetch(`${running.url}${path}`, {
    method: 'POST',
    headers: { ...bearer(token), 'content-type': contentType },
    body,
  });
}

/** A GET with the read token that must answer 200, its JSON body. */
export async function getJson<T>(running: TestHopwatch, path: string): Promise<T> {
  const response = await fetch(`${running.url}${path}`, { headers: bearer(running.tokens.read) });
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}
