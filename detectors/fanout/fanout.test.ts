import { describe, expect, it } from 'vitest';
import { runEngine } from '../../test/kits/detectors/run.js';
import {
  benignTraffic,
  fanoutExplosion,
  scenarioStart,
  supportAgent,
  supportTicket,
} from '../../test/kits/detectors/scenarios.js';
import { byTime, sequence } from '../../test/kits/detectors/traffic.js';

describe('fanout detector', () => {
  it('raises nothing for the support agent, code assistant, SRE bot and hourly sync', () => {
    const { findings } = runEngine(benignTraffic());
    expect(findings.filter((finding) => finding.detector === 'fanout')).toEqual([]);
  });

  it('flags one action expanding into 60 calls to 15 services, with evidence to judge it', () => {
    const { findings } = runEngine(fanoutExplosion());
    expect(findings).toHaveLength(1);
    const [finding] = findings;
    expect(finding).toMatchObject({
      detector: 'fanout',
      rule: 'fanout_limit',
      severity: 'high',
      originCredential: 'jwt:https://idp.example.com|research-agent',
      traceIds: ['fanout-1'],
      windowStart: scenarioStart,
      windowEnd: scenarioStart + 60_000,
    });
    expect(finding!.evidence).toMatchObject({
      rootHopId: 'fanout-1-0',
      descendants: 60,
      distinctDestinations: 15,
      maxDescendants: 25,
      maxDestinations: 10,
      late: 0,
    });
    expect(finding!.evidence.sampleHopIds).toHaveLength(10);
    expect(finding!.evidence.topDestinations).toHaveLength(10);
    expect(finding!.summary).toContain('60 calls to 15 destinations');
  });

  it('flags a root action far above its origin’s own history even under the hard limits', () => {
    const usual = Array.from({ length: 25 }, (_, ticket) =>
      supportTicket(ticket, scenarioStart + ticket * 600_000),
    );
    const unusual = sequence(
      'odd',
      scenarioStart + 25 * 600_000,
      500,
      { credential: supportAgent, from: 'support-agent', traceId: 'odd' },
      Array.from({ length: 21 }, (_, index) => ({ to: `svc-${index % 5}`, path: `/records/${index}` })),
    );
    const { findings } = runEngine(byTime([...usual.flat(), ...unusual]));
    expect(findings.map((finding) => [finding.rule, finding.traceIds[0]])).toEqual([
      ['fanout_anomaly', 'odd'],
    ]);
    expect(findings[0]!.evidence.baseline).toMatchObject({ count: 20, median: 5, history: 25 });
  });

  it('lets a per-credential override raise the limits for a known bulk agent', () => {
    const { findings } = runEngine(fanoutExplosion(), {
      detectors: {
        overrides: [{ match: 'jwt:*|research-agent', fanout: { maxDescendants: 100, maxDestinations: 20 } }],
      },
    });
    expect(findings).toEqual([]);
  });
});
