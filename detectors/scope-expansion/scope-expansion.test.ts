import { describe, expect, it } from 'vitest';
import { runEngine } from '../../test/kits/detectors/run.js';
import {
  benignTraffic,
  inventorySync,
  inventorySyncClient,
  readOnlyDeletes,
  scenarioStart,
  tokenExchangeCreep,
} from '../../test/kits/detectors/scenarios.js';
import { byTime, hop, jwt, mtls } from '../../test/kits/detectors/traffic.js';

const reader = jwt('kb-reader', ['kb.readonly']);

describe('scope expansion detector', () => {
  it('raises nothing for the benign agents over two days', () => {
    const { findings } = runEngine(benignTraffic());
    expect(findings.filter((finding) => finding.detector === 'scope_expansion')).toEqual([]);
  });

  it('flags scopes gained through token exchange along the chain', () => {
    const { findings } = runEngine(tokenExchangeCreep());
    const gain = findings.find((finding) => finding.rule === 'privilege_gain');
    expect(gain).toMatchObject({
      detector: 'scope_expansion',
      severity: 'critical',
      originCredential: 'jwt:https://idp.example.com|helpdesk-agent',
      credential: 'jwt:https://idp.example.com|ticket-service-obo',
      traceIds: ['creep-1'],
    });
    expect(gain!.evidence).toMatchObject({
      originScopes: ['tickets:read'],
      gainedScopes: [
        { key: 'billing:write', count: 1 },
        { key: 'users:admin', count: 1 },
      ],
      inferredEdges: 1,
    });
  });

  it('flags mutating calls under an origin granted only read scopes', () => {
    const { findings } = runEngine(readOnlyDeletes());
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ rule: 'write_under_read_only', severity: 'critical' });
    expect(findings[0]!.evidence).toMatchObject({
      hops: 2,
      succeeded: 2,
      mutatingCalls: [{ key: 'DELETE', count: 2 }],
    });
  });

  it('treats a configured mutating MCP tool as a write, and a read tool as none', () => {
    const call = (id: string, tool: string) =>
      hop({
        id,
        ts: scenarioStart,
        credential: reader,
        from: 'kb-agent',
        to: 'kb-mcp',
        method: 'POST',
        path: '/mcp',
        tool,
        protocol: 'mcp',
        traceId: id,
      });
    expect(runEngine([call('r', 'search_articles')]).findings).toEqual([]);
    expect(runEngine([call('w', 'delete_article')]).findings.map((finding) => finding.rule)).toEqual([
      'write_under_read_only',
    ]);
  });

  it('does not judge scopes gained under an origin whose credential carries none (mTLS)', () => {
    const origin = mtls('ops', 'cron');
    const { findings } = runEngine([
      hop({
        id: 'a',
        ts: scenarioStart,
        durationMs: 1_000,
        credential: origin,
        from: 'cron',
        to: 'reports',
        traceId: 'm',
      }),
      hop({
        id: 'b',
        ts: scenarioStart + 10,
        credential: jwt('reports', ['db:write']),
        from: 'reports',
        to: 'db',
        traceId: 'm',
      }),
    ]);
    expect(findings).toEqual([]);
  });

  it('after the learning period, flags a destination the origin has never called', () => {
    const learning = {
      detectors: { scopeExpansion: { learningPeriodMs: 3 * 3_600_000, minLearningHops: 20 } },
    };
    const routine = inventorySync(5);
    const detour = hop({
      id: 'detour',
      ts: scenarioStart + 4 * 3_600_000 + 30_000,
      credential: inventorySyncClient,
      from: 'inventory-sync',
      to: 'secrets-manager',
      path: '/secrets/erp-admin',
      traceId: 'sync-4',
    });
    expect(runEngine(routine, learning).findings).toEqual([]);
    const { findings } = runEngine(byTime([...routine, detour]), learning);
    expect(findings.map((finding) => finding.rule)).toEqual(['novel_destination']);
    expect(findings[0]!.evidence).toMatchObject({
      novelDestinations: [
        { destination: 'secrets-manager', calls: 1, firstHopId: 'detour', mutating: false },
      ],
      knownDestinations: 2,
    });
  });

  it('stays quiet about new destinations during the learning period', () => {
    const early = hop({
      id: 'e',
      ts: scenarioStart + 60_000,
      credential: inventorySyncClient,
      to: 'new-service',
      traceId: 'x',
    });
    expect(runEngine(byTime([...inventorySync(2), early])).findings).toEqual([]);
  });
});
