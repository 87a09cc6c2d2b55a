import type { Workload } from './hops.js';

const workload = (name: string, namespace: string): Workload => ({ name, namespace });

/** The simulated estate: agents, the systems that trigger them, and the services they call. */
export const mesh = {
  // agents
  supportAgent: workload('support-agent', 'agents'),
  codeAssistant: workload('code-assistant', 'agents'),
  sreBot: workload('sre-bot', 'agents'),
  inventorySync: workload('inventory-sync', 'jobs'),
  researchAgent: workload('research-agent', 'agents'),
  plannerAgent: workload('planner-agent', 'agents'),
  opsAgent: workload('ops-agent', 'agents'),
  toolBroker: workload('tool-broker', 'agents'),
  // triggers
  helpdesk: workload('helpdesk', 'support'),
  ideGateway: workload('ide-gateway', 'dev'),
  alertmanager: workload('alertmanager', 'monitoring'),
  chatFrontend: workload('chat-frontend', 'apps'),
  edgeGateway: workload('edge-gateway', 'edge'),
  // business systems
  ticketing: workload('ticketing', 'support'),
  billing: workload('billing', 'finance'),
  crm: workload('crm', 'sales'),
  refunds: workload('refunds', 'finance'),
  payments: workload('payments', 'finance'),
  ledger: workload('ledger', 'finance'),
  notifications: workload('notifications', 'platform'),
  git: workload('git', 'dev'),
  ci: workload('ci', 'dev'),
  deployApi: workload('deploy-api', 'platform'),
  clusterApi: workload('cluster-api', 'platform'),
  statuspage: workload('statuspage', 'platform'),
  erp: workload('erp', 'supply'),
  inventoryApi: workload('inventory-api', 'supply'),
  searchIndex: workload('search-index', 'data'),
  docsStore: workload('docs-store', 'data'),
  // sensitive systems an agent has no business calling
  secretsManager: workload('secrets-manager', 'security'),
  iamApi: workload('iam-api', 'security'),
  auditLog: workload('audit-log', 'security'),
  dataExport: workload('data-export', 'data'),
} as const;

/** Services a runaway "enrich everything" action sprays calls across (see the fan-out scenario). */
export const enrichmentServices: readonly Workload[] = [
  mesh.billing,
  mesh.crm,
  mesh.ledger,
  workload('fraud', 'risk'),
  workload('kyc', 'risk'),
  workload('tax', 'finance'),
  workload('shipping', 'supply'),
  workload('orders', 'supply'),
  workload('loyalty', 'sales'),
  workload('email', 'platform'),
  workload('sms', 'platform'),
  workload('risk-score', 'risk'),
  workload('address-book', 'sales'),
];

export const repositories = ['payments-service', 'web-frontend', 'infra-live', 'mobile-app', 'data-pipeline'];
export const deployments = ['checkout', 'search', 'catalog', 'auth', 'recommendations'];
