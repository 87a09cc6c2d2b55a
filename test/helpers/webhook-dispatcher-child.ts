// Runs one alert dispatcher in its own process (from dist/, with node), driven over the IPC channel,
// so that a test can kill it for real and start another one on the same data directory.
import { pino } from 'pino';
import { alertsConfigSchema } from '../../alerts/config.js';
import { createAlertDispatcher } from '../../alerts/dispatcher.js';
import type { Finding } from '../../schemas/finding.js';

export type ChildRequest = { type: 'enqueue'; findings: Finding[] } | { type: 'list' } | { type: 'stop' };
export type ChildCommand = ChildRequest & { id: number };

const send = (message: unknown): void => {
  process.send?.(message);
};

const { dataDir, alerts } = JSON.parse(process.argv[2] ?? '{}') as { dataDir: string; alerts: unknown };
const created = await createAlertDispatcher({
  config: alertsConfigSchema.parse(alerts),
  dataDir,
  logger: pino({ level: 'warn' }, pino.destination(2)),
});
if (!created.ok) {
  send({ type: 'failed', reason: created.reason });
  process.exit(1);
}
const { dispatcher } = created;
dispatcher.start();

process.on('message', (command: ChildCommand) => {
  void answer(command).then(
    (result) => send({ id: command.id, result }),
    (error: Error) => send({ id: command.id, error: error.message }),
  );
});
send({ type: 'ready' });

async function answer(command: ChildCommand): Promise<unknown> {
  if (command.type === 'enqueue') return dispatcher.enqueue(command.findings);
  if (command.type === 'list') return dispatcher.list({ limit: 1_000 });
  await dispatcher.stop();
  setImmediate(() => process.disconnect());
  return null;
}
