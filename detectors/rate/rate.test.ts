import { describe, expect, it } from 'vitest';
import { runEngine } from '../../test/kits/detectors/run.js';
import {
  authProbing,
  benignTraffic,
  scenarioStart,
  stolenKeyFlood,
} from '../../test/kits/detectors/scenarios.js';
import { apiKey, byTime, hop, jwt, mtls } from '../../test/kits/detectors/traffic.js';

describe('rate detector', () => {
  it('raises nothing for the benign agents', () => {
    const { findings } = runEngine(benignTraffic());
    expect(findings.filter((finding) => finding.detector === 'rate')).toEqual([]);
  });

  it('flags a stolen key replayed at 25 requests per second, once', () => {
    const { findings } = runEngine(stolenKeyFlood());
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      detector: 'rate',
      rule: 'origin_rate',
      originCredential: 'key:d0d0cafe00112233',
      severity: 'high',
    });
    expect(findings[0]!.evidence).toMatchObject({ requests: 1500, limit: 600, subject: 'origin' });
  });

  it('flags a hop credential over its limit even when no single origin is', () => {
    const gateway = mtls('edge', 'gateway');
    const events = Array.from({ length: 700 }, (_, index) =>
      hop({
        id: `gw-${index}`,
        ts: scenarioStart + index * 50,
        credential: gateway,
        delegation: [`jwt:tenant|${index % 7}`],
        to: 'backend',
        traceId: `gw-${index}`,
      }),
    );
    const { findings } = runEngine(events);
    expect(findings.map((finding) => [finding.rule, finding.credential])).toEqual([
      ['credential_rate', gateway.id],
    ]);
    expect(findings[0]!.originCredential).toBe('jwt:tenant|0');
  });

  it('flags an origin far above its own baseline while still under the hard limit', () => {
    const agent = jwt('reporting-agent', ['reports:read']);
    const steady = Array.from({ length: 30 * 20 }, (_, index) =>
      hop({
        id: `s-${index}`,
        ts: scenarioStart + index * 3_000,
        credential: agent,
        to: 'reports',
        traceId: `s-${index}`,
      }),
    );
    const surge = Array.from({ length: 240 }, (_, index) =>
      hop({
        id: `u-${index}`,
        ts: scenarioStart + 30 * 60_000 + index * 250,
        credential: agent,
        to: 'reports',
        traceId: `u-${index}`,
      }),
    );
    const { findings } = runEngine(byTime([...steady, ...surge]));
    expect(findings.map((finding) => finding.rule)).toEqual(['origin_rate_anomaly']);
    expect(findings[0]!.evidence.baseline).toMatchObject({ count: 240, median: 20 });
  });

  it('flags a burst of 401/403 across many targets as one probing finding', () => {
    const { findings } = runEngine(authProbing());
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ rule: 'auth_failure_burst', credential: 'key:0badc0de0badc0de' });
    expect(findings[0]!.evidence).toMatchObject({
      limit: 20,
      statuses: { '401': expect.any(Number), '403': expect.any(Number) },
    });
  });

  it('does not call a client refreshing an expired token a probe', () => {
    const client = apiKey('feedfacefeedface');
    const events = [401, 401, 401, 200, 200].map((status, index) =>
      hop({
        id: `r-${index}`,
        ts: scenarioStart + index * 1_000,
        credential: client,
        to: 'orders',
        status,
        traceId: `r-${index}`,
      }),
    );
    expect(runEngine(events).findings).toEqual([]);
  });
});
