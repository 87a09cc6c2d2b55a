import type { Credential } from '../schemas/hop-event.js';
import { podIp } from './agents.js';
import { mesh } from './catalog.js';
import { apiKeyCredential, jwtCredential, mtlsCredential, type Workload } from './hops.js';
import type { Rng } from './rng.js';
import type { Traffic } from './traffic.js';

/**
 * A scheduled integration: it reads the ERP with its own credential and writes to the inventory
 * service with its mesh identity. Most integrations hold an OAuth client (client credentials);
 * `api_key` jobs hold a static key, the kind that leaks.
 */
export type SyncJob = {
  name: string;
  workload: Workload;
  credential: Credential;
  /** Synthetic test key material of an `api_key` job (never a real secret); hops carry only its fingerprint. */
  rawKey?: string;
  writer: Credential;
  ip: string;
};

export function inventoryJob(rng: Rng, index: number, auth: 'client_credentials' | 'api_key'): SyncJob {
  const name = `inventory-sync-${String(index).padStart(2, '0')}`;
  const writer = mtlsCredential(mesh.inventorySync.namespace, mesh.inventorySync.name);
  const base = { name, workload: mesh.inventorySync, writer, ip: podIp(rng) };
  if (auth === 'client_credentials') {
    return { ...base, credential: jwtCredential(`client:${name}`, ['inventory:read', 'erp:read']) };
  }
  const rawKey = `hwtest_${rng.hex(40)}`;
  return { ...base, rawKey, credential: { ...apiKeyCredential(rawKey), subject: name } };
}

/**
 * One sync run: page through the ERP export, write each page in a batch. The job's own span is never
 * logged by a gateway, so every call is a root of the run's trace with an unseen parent.
 */
export function runInventorySync(traffic: Traffic, rng: Rng, at: number, job: SyncJob): void {
  if (job.rawKey !== undefined) traffic.apiKeys.set(job.credential.id, job.rawKey);
  const trace = traffic.trace(rng);
  const runSpan = rng.hex(16);
  const caller = { workload: job.workload, agent: job.name, ip: job.ip };
  let cursor = at;
  for (let page = 1, pages = rng.int(5, 8); page <= pages; page += 1) {
    const read = trace.root(
      cursor,
      caller,
      {
        to: mesh.erp,
        method: 'GET',
        path: `/api/v1/inventory?page=${page}&page_size=500`,
        route: '/api/v1/inventory',
        credential: job.credential.kind === 'jwt' ? { ...job.credential, jti: rng.hex(16) } : job.credential,
        latencyMs: 350,
        bytesOut: rng.int(180_000, 260_000),
      },
      runSpan,
    );
    const write = trace.root(
      read.ts + (read.durationMs ?? 0) + rng.int(20, 120),
      caller,
      {
        to: mesh.inventoryApi,
        method: 'PUT',
        path: '/v1/items:batch',
        route: '/v1/items:batch',
        credential: job.writer,
        latencyMs: 200,
      },
      runSpan,
    );
    cursor = write.ts + (write.durationMs ?? 0) + rng.int(50, 400);
  }
}
