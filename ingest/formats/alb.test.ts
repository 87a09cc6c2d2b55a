import { describe, expect, it } from 'vitest';
import { sampleLines as fixture, hopsOf, sampleNow as now } from '../../test/kits/formats/samples.js';
import { normalizeRecord } from '../normalize.js';

const hop = (line: string) => hopsOf('alb', line)[0]!;

describe("ALB access log entries as AWS's documentation gives them", () => {
  const [http, httpsQuirky, https, withConnTrace] = fixture('alb-docs.log');

  it('is detected, and read with its request time, client, target group and X-Ray trace id', () => {
    for (const line of [http, httpsQuirky, https, withConnTrace])
      expect(normalizeRecord(line!, { now })).toMatchObject({ ok: true, format: 'alb' });
    expect(hop(http!)).toMatchObject({
      ts: Date.parse('2018-07-02T22:22:48.364Z'),
      durationMs: 11_822,
      traceId: '5833726236d228ad5d99923122bbe354',
      credential: { id: 'anonymous:192.168.131.39', kind: 'unknown' },
      source: { ip: '192.168.131.39' },
      destination: { service: 'my-targets', host: 'www.example.com:80', method: 'GET', path: '/' },
      status: 200,
      bytesIn: 34,
      bytesOut: 366,
    });
  });

  it('reads the same entry whatever its spacing, and with the fields AWS appended later', () => {
    const { id: _quirkyId, ...quirky } = hop(httpsQuirky!);
    const { id: _id, ...plain } = hop(https!);
    expect(quirky).toEqual(plain);
    const { id: _tidId, ...appended } = hop(withConnTrace!);
    const { id: _httpId, ...first } = hop(http!);
    expect(appended).toEqual(first);
  });
});

describe('ALB entries of agent traffic', () => {
  const [planner, worker, grpc, lambda, refused] = fixture('alb-agents.log').map(hop);

  it('keeps the path and drops the query string, which here holds an API key', () => {
    expect(planner).toMatchObject({
      ts: Date.parse('2025-12-01T10:00:00.024Z'),
      durationMs: 388,
      destination: { service: 'tools-api', path: '/v1/tools/search', method: 'POST', protocol: 'http' },
    });
    expect(JSON.stringify(planner)).not.toContain('sk-live');
  });

  it("takes the X-Ray root as the trace, not the load balancer's own Self id", () => {
    expect(worker!.traceId).toBe(planner!.traceId);
    expect(worker!.traceId).toBe('6759a0003f2e1d0c9b8a7f6e5d4c3b2a');
  });

  it('reads grpcs as gRPC, a Lambda target, and an entry the load balancer answered itself', () => {
    expect(grpc).toMatchObject({
      destination: { service: 'model-svc', path: '/inference.v1.Model/Generate', protocol: 'grpc' },
    });
    expect(lambda).toMatchObject({ status: 200, destination: { service: 'weather-fn' } });
    expect(refused).toMatchObject({
      status: 401,
      credential: { id: 'anonymous:2600:1f18:4b2:a700::2a' },
      destination: { service: 'tools.acme.example', path: '/v1/admin/keys' },
    });
  });

  it('names the caller from its User-Agent when lineage.callerHint asks for it', () => {
    const line = fixture('alb-agents.log')[0]!;
    const hinted = normalizeRecord(line, { now, callerHint: { userAgent: true } });
    expect(hinted).toMatchObject({ ok: true, events: [{ source: { workload: 'planner-agent' } }] });
    expect(planner!.source.workload).toBeUndefined();
  });

  it('keeps no userinfo of a logged URL', () => {
    const line = fixture('alb-agents.log')[1]!.replace('https://kb.', 'https://svc:Pa55w0rd@kb.');
    expect(hop(line).destination.host).toBe('kb.acme.example:443');
    expect(JSON.stringify(hop(line))).not.toContain('Pa55w0rd');
  });
});

describe('what is not an ALB entry', () => {
  it('rejects a cut entry and a bad time, saying which', () => {
    const line = fixture('alb-docs.log')[0]!;
    expect(normalizeRecord(line.slice(0, 120), { now, format: 'alb' })).toEqual({
      ok: false,
      format: 'alb',
      reason: 'alb: expected at least 13 fields (type … "request"), found 8',
    });
    expect(
      normalizeRecord(line.replace('2018-07-02T22:23:00.186641Z', '2018-07-02T25:61:00Z'), {
        now,
        format: 'alb',
      }),
    ).toMatchObject({
      ok: false,
      reason: 'alb: time (second field) is not an ISO 8601 time',
    });
  });

  it('leaves text lines of other formats to them', () => {
    for (const file of ['nginx-combined.log', 'envoy-default-text.log', 'istio-default-text.log'])
      for (const line of fixture(file))
        expect(normalizeRecord(line, { now })).not.toMatchObject({ format: 'alb' });
  });
});
