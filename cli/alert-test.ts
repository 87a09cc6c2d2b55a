import type { Command } from 'commander';
import type { AttemptOutcome } from '../alerts/attempt.js';
import { resolveWebhookSecrets } from '../alerts/secrets.js';
import { sendTestAlerts, testFinding } from '../alerts/test-alert.js';
import { IncidentTracker } from '../incidents/tracker.js';
import { loadConfig } from '../pipeline/load-config.js';
import type { Incident } from '../schemas/incident.js';

function fail(message: string): never {
  process.stderr.write(`hopwatch alert-test: ${message}\n`);
  process.exit(2);
}

// What the receiver answered; never the URL, which Slack-style webhooks keep their secret in.
function described(outcome: AttemptOutcome): string {
  return outcome.kind === 'delivered'
    ? `delivered (HTTP ${outcome.status})`
    : `not delivered: ${outcome.error}`;
}

/** `hopwatch alert-test`: each configured webhook gets a test alert in its style, and the answer is printed. */
export function register(program: Command): void {
  program
    .command('alert-test')
    .description(
      'Send each webhook in alerts.webhooks a test alert, in its style and signed as real alerts are (an ' +
        'incidents webhook: an incident opened, then resolved), and print what it answered; nothing is stored',
    )
    .option('-c, --config <file>', 'YAML config file (default: ./hopwatch.yaml when present)')
    .option('--webhook <name>', 'only the webhook of this name')
    .action(async (options: { config?: string; webhook?: string }) => {
      const loaded = loadConfig(options.config, process.env);
      if (!loaded.ok) fail(loaded.reason);
      const { alerts } = loaded.config;
      const resolved = resolveWebhookSecrets(alerts, process.env);
      if (!resolved.ok) fail(resolved.reason);
      const names = resolved.webhooks.map((webhook) => webhook.name);
      if (names.length === 0) fail('no webhooks are configured (alerts.webhooks)');
      const webhooks = resolved.webhooks.filter(
        (webhook) => options.webhook === undefined || webhook.name === options.webhook,
      );
      if (webhooks.length === 0)
        fail(`no webhook named "${options.webhook}" (configured: ${names.join(', ')})`);
      const finding = testFinding(Date.now());
      // The incident the finding opens, then its resolution, from the tracker real incidents come from.
      const versions: Incident[] = [];
      const tracker = new IncidentTracker({ quietMs: 1, maxOpen: 1 }, (version) => versions.push(version));
      tracker.add(finding);
      tracker.advance(finding.windowEnd + 2);
      const sends = await sendTestAlerts(webhooks, { finding, versions }, alerts.publicUrl);
      for (const { webhook, what, outcome } of sends)
        process.stdout.write(`${webhook}: test ${what}: ${described(outcome)}\n`);
      process.exit(sends.every(({ outcome }) => outcome.kind === 'delivered') ? 0 : 1);
    });
}
