import { BoundedMemo } from '../common/bounded-memo.js';

const spiffePrefix = 'spiffe://';
const spiffeServiceAccount = /\/sa\/([^/]+)$/;
const envoyCluster = /^(?:inbound|outbound)\|[^|]*\|[^|]*\|(.+)$/;
const kubernetesServiceHost = /^([^.]+)\.[^.]+\.svc(?:\.cluster\.local)?\.?$/;
const trailingPort = /:\d+$/;

/**
 * One spelling for a workload or service, so that a caller's workload (often a SPIFFE ID or a pod
 * identity) can be compared with a destination service (often a host or an Envoy cluster name):
 * `spiffe://td/ns/shop/sa/billing`, `outbound|8080||billing.shop.svc.cluster.local` and
 * `billing.shop.svc.cluster.local:8080` all become `billing`.
 */
export function serviceName(raw: string): string {
  let name = raw.trim().toLowerCase();
  if (name.startsWith(spiffePrefix)) {
    const account = spiffeServiceAccount.exec(name);
    if (account?.[1] !== undefined) return account[1];
    return name.slice(name.lastIndexOf('/') + 1);
  }
  const cluster = envoyCluster.exec(name);
  if (cluster?.[1] !== undefined) name = cluster[1];
  name = name.replace(trailingPort, '');
  const kubernetes = kubernetesServiceHost.exec(name);
  return kubernetes?.[1] ?? name;
}

/** `serviceName` with a bounded memo: the same few hundred names come back on every hop. */
export class ServiceNames extends BoundedMemo<string> {
  constructor(limit = 10_000) {
    super(serviceName, limit);
  }
}
