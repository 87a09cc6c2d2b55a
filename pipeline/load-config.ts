import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { z } from 'zod';
import { issuePath } from '../common/zod.js';
import { configSchema, type HopwatchConfig } from './config.js';

export type ConfigResult = { ok: true; config: HopwatchConfig } | { ok: false; reason: string };

type EnvOverride = { env: string; path: string[]; parse: (raw: string) => unknown };

const asString = (raw: string): string => raw;
const asList = (raw: string): string[] =>
  raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
// Left as a string when not numeric, so that validation names the field instead of silently dropping it.
const asNumber = (raw: string): unknown => (/^\s*-?\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : raw);
// Likewise left as a string when neither true nor false.
const asBoolean = (raw: string): unknown => {
  const word = raw.trim().toLowerCase();
  return word === 'true' ? true : word === 'false' ? false : raw;
};

const envOverrides: EnvOverride[] = [
  { env: 'HOPWATCH_DATA_DIR', path: ['dataDir'], parse: asString },
  { env: 'HOPWATCH_ROLE', path: ['roles'], parse: asList },
  { env: 'HOPWATCH_LOG_LEVEL', path: ['logLevel'], parse: asString },
  { env: 'HOPWATCH_LOG_FORMAT', path: ['logFormat'], parse: asString },
  { env: 'HOPWATCH_PORT', path: ['api', 'port'], parse: asNumber },
  { env: 'HOPWATCH_HOST', path: ['api', 'host'], parse: asString },
  { env: 'HOPWATCH_OTLP_GRPC_PORT', path: ['api', 'otlpGrpcPort'], parse: asNumber },
  { env: 'KAFKA_BROKERS', path: ['kafka', 'brokers'], parse: asList },
  { env: 'KAFKA_TOPICS', path: ['kafka', 'topics'], parse: asList },
  { env: 'KAFKA_GROUP_ID', path: ['kafka', 'groupId'], parse: asString },
  // A CA file makes kafka.tls an object: it comes after KAFKA_TLS, which it implies.
  { env: 'KAFKA_TLS', path: ['kafka', 'tls'], parse: asBoolean },
  { env: 'KAFKA_TLS_CA_FILE', path: ['kafka', 'tls', 'caFile'], parse: asString },
  { env: 'KAFKA_SASL_MECHANISM', path: ['kafka', 'sasl', 'mechanism'], parse: asString },
  { env: 'KAFKA_SASL_USERNAME', path: ['kafka', 'sasl', 'username'], parse: asString },
  { env: 'KAFKA_SASL_TOKEN_FILE', path: ['kafka', 'sasl', 'tokenFile'], parse: asString },
  { env: 'CLICKHOUSE_URL', path: ['store', 'url'], parse: asString },
  { env: 'CLICKHOUSE_USER', path: ['store', 'user'], parse: asString },
  { env: 'CLICKHOUSE_PASSWORD', path: ['store', 'password'], parse: asString },
  { env: 'CLICKHOUSE_DATABASE', path: ['store', 'database'], parse: asString },
];

export const DEFAULT_CONFIG_FILE = 'hopwatch.yaml';

/**
 * Reads the optional YAML file, applies environment overrides and validates the result. The file is
 * `file` (`--config`), else `$HOPWATCH_CONFIG`, else `./hopwatch.yaml` when it exists; a file named
 * either way must exist.
 */
export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): ConfigResult {
  const named = file ?? (env.HOPWATCH_CONFIG || undefined);
  const fromFile = readConfigFile(
    named ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined),
  );
  if (!fromFile.ok) return fromFile;
  const raw = fromFile.value;
  const fromEnv = new Map<string, string>();
  for (const override of envOverrides) {
    const value = env[override.env];
    if (value === undefined || value === '') continue;
    setPath(raw, override.path, override.parse(value));
    fromEnv.set(override.path.join('.'), override.env);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: describeConfigIssues(parsed.error.issues, fromEnv) };
  return { ok: true, config: parsed.data };
}

export function parseConfig(raw: unknown): ConfigResult {
  const parsed = configSchema.safeParse(raw ?? {});
  if (!parsed.success) return { ok: false, reason: describeConfigIssues(parsed.error.issues) };
  return { ok: true, config: parsed.data };
}

/**
 * The YAML parser, loaded only when a config file is read: importing it took about 40 ms of every
 * start-up, a file or not (`hopwatch detect FILE` runs without one).
 */
function parseYaml(text: string): unknown {
  const yaml = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return yaml.parse(text);
}

function readConfigFile(
  file: string | undefined,
): { ok: true; value: Record<string, unknown> } | { ok: false; reason: string } {
  if (file === undefined) return { ok: true, value: {} };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return {
      ok: false,
      reason: `config file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`,
    };
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    return { ok: false, reason: `config file ${file}: not valid YAML: ${(error as Error).message}` };
  }
  if (value === null || value === undefined) return { ok: true, value: {} };
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: `config file ${file}: the top level must be a mapping` };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const child = node[key];
    if (typeof child !== 'object' || child === null || Array.isArray(child)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

/** One clause per issue, naming the field and, when an environment variable set it, the variable. */
function describeConfigIssues(
  issues: z.core.$ZodIssue[],
  fromEnv: ReadonlyMap<string, string> = new Map(),
): string {
  return issues
    .map((issue) => {
      const field = issuePath(issue);
      const variable = fromEnv.get(field);
      return `config field ${field}${variable === undefined ? '' : ` (from ${variable})`}: ${issue.message}`;
    })
    .join('; ');
}
