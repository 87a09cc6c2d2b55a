import { describe, expect, it } from 'vitest';
import { runEngine } from '../../test/kits/detectors/run.js';
import {
  agentPingPong,
  benignTraffic,
  retryStorm,
  scenarioStart,
} from '../../test/kits/detectors/scenarios.js';
import { hop, jwt } from '../../test/kits/detectors/traffic.js';

const agent = jwt('orchestrator', ['work:run']);

/** agent → api-gateway → billing → api-gateway → crm, exact spans. */
function throughGateway() {
  const route = ['api-gateway', 'billing', 'api-gateway', 'crm'];
  return route.map((to, depth) =>
    hop({
      id: `gw-${depth}`,
      ts: scenarioStart + depth * 100,
      durationMs: 5_000,
      credential: agent,
      from: depth === 0 ? 'orchestrator' : route[depth - 1],
      to,
      traceId: 'gw',
      spanId: `gw-s${depth}`,
      parentSpanId: depth === 0 ? undefined : `gw-s${depth - 1}`,
    }),
  );
}

describe('recursion detector', () => {
  it('raises nothing for the benign agents', () => {
    const { findings } = runEngine(benignTraffic());
    expect(findings.filter((finding) => finding.detector === 'recursion')).toEqual([]);
  });

  it('flags two agents calling each other back and forth, and the depth it reaches', () => {
    const { findings } = runEngine(agentPingPong());
    const byRule = Object.fromEntries(findings.map((finding) => [finding.rule, finding]));
    expect(Object.keys(byRule).sort()).toEqual(['cycle', 'depth']);
    expect(byRule.cycle!.evidence).toMatchObject({ repeatedService: 'planner-agent', cycleHops: 9 });
    expect((byRule.cycle!.evidence.path as unknown[]).length).toBe(2);
    expect(byRule.depth!.evidence).toMatchObject({ depth: 9, maxDepth: 8 });
    expect((byRule.depth!.evidence.path as unknown[]).length).toBe(10);
  });

  it('flags a self-call', () => {
    const { findings } = runEngine([
      hop({
        id: 'self',
        ts: scenarioStart,
        credential: agent,
        from: 'orchestrator',
        to: 'orchestrator',
        traceId: 's',
      }),
    ]);
    expect(findings.map((finding) => finding.rule)).toEqual(['cycle']);
  });

  it('flags the same tool call repeated 40 times under one root action', () => {
    const { findings } = runEngine(retryStorm());
    const repeat = findings.find((finding) => finding.detector === 'recursion');
    expect(repeat).toMatchObject({ rule: 'repeat', severity: 'high' });
    expect(repeat!.evidence.repeatedCalls).toEqual([
      { key: 'triage-agent -> tool-broker:search_tickets POST /mcp', count: 40 },
    ]);
  });

  it('does not mistake one call logged at both ends (client and server span) for a return', () => {
    const client = hop({
      id: 'client',
      ts: scenarioStart,
      durationMs: 500,
      credential: agent,
      from: 'orchestrator',
      to: 'search',
      traceId: 'ends',
      spanId: 'c',
    });
    const server = hop({
      id: 'server',
      ts: scenarioStart + 5,
      credential: agent,
      to: 'search',
      traceId: 'ends',
      spanId: 's',
      parentSpanId: 'c',
    });
    expect(runEngine([client, server]).findings).toEqual([]);
  });

  it('does not call a pass-through gateway appearing twice on a path a cycle', () => {
    expect(runEngine(throughGateway()).findings.map((finding) => finding.rule)).toEqual(['cycle']);
    const configured = runEngine(throughGateway(), {
      detectors: { recursion: { passThroughServices: ['api-gateway'] } },
    });
    expect(configured.findings).toEqual([]);
  });
});
