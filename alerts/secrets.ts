import { readFileSync } from 'node:fs';
import type { AlertsConfig, WebhookConfig } from './config.js';

const MIN_SECRET_LENGTH = 16;

/**
 * Holds a signing secret in a private field, so that logging or serialising a webhook
 * (JSON.stringify, util.inspect, pino) never shows it.
 */
export class WebhookSecret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }
}

export type ResolvedWebhook = WebhookConfig & { secret: WebhookSecret };

export type ResolvedWebhooks = { ok: true; webhooks: ResolvedWebhook[] } | { ok: false; reason: string };

/** Reads every webhook's secret once at start-up; the reason names the webhook, never the secret. */
export function resolveWebhookSecrets(config: AlertsConfig, env: NodeJS.ProcessEnv): ResolvedWebhooks {
  const webhooks: ResolvedWebhook[] = [];
  for (const webhook of config.webhooks) {
    const secret = readSecret(webhook, env);
    if (!secret.ok) return { ok: false, reason: `alerts webhook "${webhook.name}": ${secret.reason}` };
    if (secret.value.length < MIN_SECRET_LENGTH) {
      return {
        ok: false,
        reason: `alerts webhook "${webhook.name}": the secret from ${secret.from} is shorter than ${MIN_SECRET_LENGTH} characters`,
      };
    }
    webhooks.push({ ...webhook, secret: new WebhookSecret(secret.value) });
  }
  return { ok: true, webhooks };
}

type SecretRead = { ok: true; value: string; from: string } | { ok: false; reason: string };

function readSecret(webhook: WebhookConfig, env: NodeJS.ProcessEnv): SecretRead {
  if (webhook.secretEnv !== undefined) {
    const from = `environment variable ${webhook.secretEnv} (secretEnv)`;
    const value = env[webhook.secretEnv];
    if (value === undefined || value === '') return { ok: false, reason: `${from} is not set` };
    return { ok: true, value, from };
  }
  if (webhook.secretFile !== undefined) {
    const from = `file ${webhook.secretFile} (secretFile)`;
    try {
      const value = readFileSync(webhook.secretFile, 'utf8').trim();
      if (value === '') return { ok: false, reason: `${from} is empty` };
      return { ok: true, value, from };
    } catch (error) {
      return {
        ok: false,
        reason: `cannot read ${from}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`,
      };
    }
  }
  return { ok: false, reason: 'set exactly one of secretEnv or secretFile' };
}
