import { alertsConfigSchema } from '../../alerts/config.js';
import type { AlertDispatcher } from '../../alerts/dispatcher.js';
import type { Component } from '../component.js';
import type { Sink, SinkBatch, SinkStats } from '../sink.js';

/**
 * Signed webhooks, through the durable outbox under dataDir: a finding or incident change is written
 * once a delivery per matching webhook is on disk, and delivered once per (finding id, webhook) or
 * (incident id and version, webhook).
 */
export class AlertsSink implements Sink {
  readonly name = 'alerts';

  constructor(readonly dispatcher: AlertDispatcher) {}

  start(): void {
    this.dispatcher.start();
  }

  async write({ findings = [], incidents = [] }: SinkBatch): Promise<void> {
    if (findings.length + incidents.length > 0) await this.dispatcher.enqueue(findings, incidents);
  }

  /** Deliveries are on disk once `write` resolves. */
  async flush(): Promise<void> {}

  close(): Promise<void> {
    return this.dispatcher.stop();
  }

  stats(): SinkStats {
    const { pending } = this.dispatcher.stats();
    return { pending, available: true };
  }
}

export const alertsSink: Component<'sink', 'alerts', typeof alertsConfigSchema, AlertsSink> = {
  kind: 'sink',
  name: 'alerts',
  configSchema: alertsConfigSchema,
  async build(config, { dataDir, logger }) {
    const { createAlertDispatcher } = await import('../../alerts/dispatcher.js');
    const created = await createAlertDispatcher({ config, dataDir, logger });
    return created.ok ? { ok: true, built: new AlertsSink(created.dispatcher) } : created;
  },
};
