import type { Command } from 'commander';
import { resolveWebhookSecrets } from '../alerts/secrets.js';
import { checkExposure } from '../api/auth.js';
import { describeError } from '../common/errors.js';
import { kafkaPreflight } from '../ingest/kafka-preflight.js';
import { type HopwatchConfig, servingProblem } from '../pipeline/config.js';
import { loadConfig } from '../pipeline/load-config.js';
import { inspectStore } from '../store/index.js';

type Verdict = { part: string; ok: boolean; detail: string };

const defaultTimeoutSeconds = 20;

/**
 * `hopwatch check`: the configuration `hopwatch run` would start with, read and tried without starting
 * anything: the API's exposure, the Kafka brokers (as its principal, without joining the group), the
 * store, the webhooks' secrets. One line per part; exit 0 when every part is ok, 1 when one is not,
 * 2 when the configuration does not load.
 */
export async function checkHopwatch(
  configFile: string | undefined,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<number> {
  const loaded = loadConfig(configFile, env);
  if (!loaded.ok) {
    process.stderr.write(`hopwatch check: ${loaded.reason}\n`);
    return 2;
  }
  const { config } = loaded;
  const problem = servingProblem(config);
  if (problem !== undefined) {
    process.stderr.write(`hopwatch check: ${problem}\n`);
    return 2;
  }
  const verdicts = [describeConfig(config), apiVerdict(config)];
  verdicts.push(await kafkaVerdict(config, timeoutMs));
  if (config.roles.includes('all') || config.roles.includes('sink'))
    verdicts.push(await storeVerdict(config));
  verdicts.push(alertsVerdict(config, env));
  for (const { part, ok, detail } of verdicts)
    process.stdout.write(`${(ok ? 'ok' : 'FAIL').padEnd(5)} ${part.padEnd(7)} ${detail}\n`);
  return verdicts.every((verdict) => verdict.ok) ? 0 : 1;
}

function describeConfig(config: HopwatchConfig): Verdict {
  const { roles, sources, sinks, dataDir } = config;
  const detail = `roles ${roles.join(', ')}; sources ${sources.join(', ')}; sinks ${sinks.join(', ')}; data in ${dataDir}`;
  return { part: 'config', ok: true, detail };
}

function apiVerdict({ api }: HopwatchConfig): Verdict {
  const exposure = checkExposure(api);
  if (!exposure.ok) return { part: 'api', ok: false, detail: exposure.reason };
  const tokens =
    api.tokens.length === 0 ? 'no tokens: every route open' : `${api.tokens.length} bearer token(s)`;
  return { part: 'api', ok: true, detail: `${api.host}:${api.port}, ${tokens}` };
}

async function kafkaVerdict(config: HopwatchConfig, timeoutMs: number): Promise<Verdict> {
  if (config.kafka.brokers.length === 0)
    return { part: 'kafka', ok: true, detail: 'no brokers (kafka.brokers, KAFKA_BROKERS): HTTP ingest only' };
  const preflight = await kafkaPreflight(config.kafka, timeoutMs);
  return preflight.ok
    ? { part: 'kafka', ok: true, detail: preflight.findings.join('; ') }
    : { part: 'kafka', ok: false, detail: preflight.reason };
}

async function storeVerdict(config: HopwatchConfig): Promise<Verdict> {
  try {
    return { part: 'store', ok: true, detail: await inspectStore(config) };
  } catch (error) {
    return { part: 'store', ok: false, detail: describeError(error) };
  }
}

function alertsVerdict(config: HopwatchConfig, env: NodeJS.ProcessEnv): Verdict {
  const { webhooks } = config.alerts;
  if (webhooks.length === 0) return { part: 'alerts', ok: true, detail: 'no webhooks' };
  const resolved = resolveWebhookSecrets(config.alerts, env);
  if (!resolved.ok) return { part: 'alerts', ok: false, detail: resolved.reason };
  const names = webhooks.map((webhook) => webhook.name).join(', ');
  return { part: 'alerts', ok: true, detail: `${webhooks.length} webhook(s), their secrets read: ${names}` };
}

export function register(program: Command): void {
  program
    .command('check')
    .description(
      'Check the configuration `hopwatch run` would start with, without starting it: the API, the Kafka ' +
        'brokers (credentials, topics, the group’s lag; the group is not joined), the store and the ' +
        'webhooks’ secrets; one line each, exit 1 if one fails',
    )
    .option('-c, --config <file>', 'YAML config file (default: ./hopwatch.yaml when present)')
    .option('--timeout <seconds>', 'how long the brokers have to answer', String(defaultTimeoutSeconds))
    .action(async (options: { config?: string; timeout: string }) => {
      const seconds = Number(options.timeout);
      if (!Number.isFinite(seconds) || seconds <= 0) {
        process.stderr.write(
          `hopwatch check: --timeout must be a positive number of seconds, not ${options.timeout}\n`,
        );
        process.exit(2);
      }
      // Exit explicitly: kafkajs's and the store client's handles would otherwise keep the process alive.
      process.exit(await checkHopwatch(options.config, process.env, seconds * 1000));
    });
}
